/**
 * `npm run bench`: every scenario against real stand-in processes on loopback, a table on stdout,
 * bench/results.json and the generated section of BENCHMARKS.md. Progress goes to stderr.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs, SCENARIOS } from './lib/args.js';
import { removeDataRoots, ROOT, type GatewayProcess } from './lib/gateway.js';
import { inspectorUrl, PhaseProfiler } from './lib/inspector.js';
import { breakdownProfile, formatBreakdown } from './lib/profile-breakdown.js';
import { scrapeLoopDelay, type LoopDelay } from './lib/loop-delay.js';
import { killTagged, taggedPids } from './lib/processes.js';
import { machine, printTable, readResults, renderSection, saveResults, writeBenchmarksSection, type RunMeta } from './lib/report.js';
import { accessScenario } from './scenarios/access.js';
import { capacityScenario } from './scenarios/capacity.js';
import { chatwootScenario } from './scenarios/chatwoot.js';
import { clusterScenario } from './scenarios/cluster.js';
import { conversationsScenario } from './scenarios/conversations.js';
import { fanoutScenario } from './scenarios/fanout.js';
import { memoryScenario } from './scenarios/memory.js';
import { proxyScenario } from './scenarios/proxy.js';
import { restoreScenario } from './scenarios/restore.js';
import { sendScenario } from './scenarios/send.js';
import type { BenchContext, PhaseUnits, Scenario, ScenarioResult } from './scenarios/types.js';

const ALL: Record<(typeof SCENARIOS)[number], Scenario> = {
  proxy: proxyScenario,
  send: sendScenario,
  capacity: capacityScenario,
  restore: restoreScenario,
  fanout: fanoutScenario,
  memory: memoryScenario,
  conversations: conversationsScenario,
  access: accessScenario,
  chatwoot: chatwootScenario,
  cluster: clusterScenario,
};

const args = parseArgs(process.argv.slice(2), process.env);
if (args.renderOnly) {
  const file = readResults();
  if (!file) throw new Error('no bench/results.json yet: run npm run bench first');
  console.log(printTable(SCENARIOS.flatMap((name) => (file.scenarios[name] ? [file.scenarios[name]] : []))));
  writeBenchmarksSection(renderSection(file, SCENARIOS));
  process.exit(0);
}
const started = Date.now();
const log = (message: string): void => {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
};

// Ctrl-C or a kill must not leave a gateway or hundreds of stand-ins behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: killing every process of this run`);
    void killTagged().then(() => {
      if (!args.keepData) removeDataRoots();
      process.exit(130);
    });
  });
}

/** The gateway's event-loop delay in each measured phase of the running scenario (label → figures). */
let loopDelays: Record<string, LoopDelay | null> = {};

const profiled = async <T>(gateway: GatewayProcess, label: string, phase: () => Promise<T>, unitsOf?: (result: T) => PhaseUnits): Promise<T> => {
  if (!args.profile) return phase();
  const url = inspectorUrl(gateway.output);
  if (!url) throw new Error('--profile: the gateway printed no inspector URL');
  const profiler = await PhaseProfiler.connect(url);
  try {
    await profiler.start();
    const result = await phase();
    const { file, summary, profile } = await profiler.stop(path.join(ROOT, 'bench', 'profiles'), label);
    const stages = formatBreakdown(breakdownProfile(profile), unitsOf?.(result));
    log(`profile of ${label}: ${file}\n${[...summary, ...stages].map((line) => `    ${line}`).join('\n')}`);
    return result;
  } finally {
    profiler.close();
  }
};

const ctx: BenchContext = {
  args,
  ports: args.ports,
  log,
  gatewayNodeArgs: () => (args.profile ? ['--inspect=127.0.0.1:0'] : []),
  measure: async (gateway, label, phase, unitsOf) => {
    await scrapeLoopDelay(gateway);
    const result = await profiled(gateway, label, phase, unitsOf);
    const delay = await scrapeLoopDelay(gateway);
    loopDelays[label] = delay;
    if (delay) log(`${label}: gateway event-loop delay p50 ${delay.p50Ms} ms, p99 ${delay.p99Ms} ms, max ${delay.maxMs} ms`);
    return result;
  },
};

const meta: RunMeta = { ...machine(), date: new Date().toISOString(), args: { ...args }, loadAverage: os.loadavg() };
log(`node ${meta.node}, ${meta.cores} × ${meta.cpu}, ${meta.memoryGb} GB; load average ${meta.loadAverage.map((l) => l.toFixed(2)).join(' ')}; scenarios: ${args.only.join(', ')}`);

const results: ScenarioResult[] = [];
const failures: string[] = [];
for (const name of args.only) {
  const scenario = ALL[name as keyof typeof ALL];
  log(`── ${scenario.title}`);
  loopDelays = {};
  try {
    const result = await scenario.run(ctx);
    results.push({ ...result, details: { ...result.details, gatewayEventLoopDelay: loopDelays } });
  } catch (err) {
    failures.push(`${name}: ${(err as Error).stack ?? String(err)}`);
    log(`${name} FAILED: ${(err as Error).message}`);
  } finally {
    // Each scenario stops what it started; anything still tagged with this run is a leak: kill it and say so.
    const leaked = taggedPids();
    if (leaked.length > 0) {
      log(`${name}: ${leaked.length} process(es) left behind; killing them`);
      await killTagged();
      failures.push(`${name}: left ${leaked.length} process(es) behind`);
    }
    if (!args.keepData) removeDataRoots();
  }
}

if (results.length > 0) {
  console.log(`\n${printTable(results)}\n`);
  if (args.save) {
    const file = saveResults(meta, results);
    writeBenchmarksSection(renderSection(file, SCENARIOS));
    log('wrote bench/results.json and the figures section of BENCHMARKS.md');
  }
}
if (failures.length > 0) {
  console.error(`\n${failures.length} failure(s):\n${failures.join('\n')}`);
  process.exitCode = 1;
}
