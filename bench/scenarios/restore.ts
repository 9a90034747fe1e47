import path from 'node:path';
import { benchEnv, GatewayProcess, makeDataRoot, type LogLine } from '../lib/gateway.js';
import { deviceHealth, isLoggedIn, pairNumbers, phoneNumbers, registerNumbers, waitForDevices } from '../lib/numbers.js';
import { cpuMs, machineLoadMeter } from '../lib/processes.js';
import { standInFloor } from '../lib/stand-ins.js';
import { median, percentile, round } from '../lib/stats.js';
import { figure, type BenchContext, type Figure, type Scenario, type ScenarioResult } from './types.js';

/** The gateway's own default (src/config/schema.ts), used when --restore-concurrency is 0. */
const DEFAULT_RESTORE_CONCURRENCY = 4;

const isRestoreFinished = (line: LogLine): boolean => line.msg === 'boot restore finished';

/** From the gateway's "device state changed" log lines: ms from each number's `starting` to its `running`. */
function perNumberStartMs(output: readonly string[]): number[] {
  const starting = new Map<string, number>();
  const spans: number[] = [];
  for (const text of output) {
    if (!text.includes('device state changed')) continue;
    const line = JSON.parse(text) as { phoneNumber?: string; to?: string; time?: number };
    if (!line.phoneNumber || line.time === undefined) continue;
    if (line.to === 'starting') starting.set(line.phoneNumber, line.time);
    const from = starting.get(line.phoneNumber);
    if (line.to === 'running' && from !== undefined) spans.push(line.time - from);
  }
  return spans;
}

/**
 * 3. Boot restore: N paired numbers, the gateway stopped with SIGTERM (children marked stopped-by-shutdown),
 * then a fresh `node dist/main.js` timed from spawn to "boot restore finished" with every number running.
 * Sizes grow in one data folder (50, then 50 more, …). The floor is the same stand-ins started directly.
 */
export const restoreScenario: Scenario = {
  name: 'restore',
  title: 'Boot restore (gateway start → every number running)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { args } = ctx;
    const sizes = [...args.restoreSizes].sort((a, b) => a - b);
    const largest = sizes.at(-1) ?? 0;
    const concurrency = args.restoreConcurrency || DEFAULT_RESTORE_CONCURRENCY;
    const dataRoot = makeDataRoot('restore');
    const overrides: Record<string, string> = { MAX_PROCESSES: String(largest + 10) };
    if (args.restoreConcurrency) overrides['RESTORE_CONCURRENCY'] = String(args.restoreConcurrency);
    const env = benchEnv(dataRoot, ctx.ports, overrides);
    const sessions = path.join(dataRoot, 'sessions');
    const phones: string[] = [];
    const figures: Figure[] = [];
    const runs: Record<string, unknown>[] = [];
    let gateway: GatewayProcess | null = await GatewayProcess.start(dataRoot, env, ctx.gatewayNodeArgs());
    try {
      for (const size of sizes) {
        const added = phoneNumbers(size - phones.length, phones.length);
        ctx.log(`restore: setting up ${added.length} more paired numbers (${size} in all)`);
        await registerNumbers(gateway, added);
        await pairNumbers(gateway, added);
        phones.push(...added);
        await waitForDevices(gateway, phones, isLoggedIn, 300_000, 'every number to be logged in');
        await gateway.stop();
        gateway = null;

        const floor = await standInFloor(
          phones.map((phone) => path.join(sessions, phone)),
          concurrency,
          ctx.ports,
        );
        ctx.log(`restore: floor for ${size}: ${(floor.ms / 1000).toFixed(2)} s (median time-to-ready ${median(floor.perProcess).toFixed(0)} ms)`);

        const machine = machineLoadMeter();
        const started = await GatewayProcess.start(dataRoot, env, ctx.gatewayNodeArgs());
        gateway = started;
        const finishedAt = await ctx.measure(started, `restore-${size}`, () => started.waitForLine(isRestoreFinished, 600_000, 'boot restore finished'));
        const load = machine();
        const gatewayCpuSeconds = (cpuMs(started.pid) ?? 0) / 1000;
        const listeningAt = await started.waitForLine((line) => line.msg === 'gateway listening', 1000, 'gateway listening');
        const startMs = perNumberStartMs(started.output);
        const devices = await deviceHealth(started);
        const childCpuSeconds = devices.reduce((sum, d) => sum + (d.pid ? (cpuMs(d.pid) ?? 0) : 0), 0) / 1000;
        const running = devices.filter((d) => d.state === 'running').length;
        const failures = size - running;
        const seconds = (finishedAt - started.spawnedAt) / 1000;
        ctx.log(`restore: ${size} numbers running ${seconds.toFixed(2)} s after spawn (listening after ${((listeningAt - started.spawnedAt) / 1000).toFixed(2)} s), ${failures} failed; start→running median ${median(startMs).toFixed(0)} ms; CPU: gateway ${gatewayCpuSeconds.toFixed(1)} s, stand-ins ${childCpuSeconds.toFixed(1)} s (floor ${floor.cpuSeconds.toFixed(1)} s); machine ${JSON.stringify(load)}`);
        runs.push({
          numbers: size,
          seconds: round(seconds, 2),
          listeningSeconds: round((listeningAt - started.spawnedAt) / 1000, 2),
          floorSeconds: round(floor.ms / 1000, 2),
          standInMedianReadyMs: round(median(floor.perProcess), 0),
          failures,
          gatewayCpuSeconds: round(gatewayCpuSeconds, 2),
          // The stand-ins' CPU until restore finished, against theirs in the floor: what starting under a gateway adds.
          standInCpuSeconds: round(childCpuSeconds, 2),
          floorStandInCpuSeconds: round(floor.cpuSeconds, 2),
          // Per number, "starting" → "running" as the gateway logged it (spawn, /health, device slot).
          startToRunningMedianMs: round(median(startMs), 0),
          startToRunningP90Ms: round(percentile([...startMs].sort((a, b) => a - b), 90), 0),
          machine: load,
        });
        figures.push(
          figure(`seconds_${size}`, `${size} numbers: start → all running`, round(seconds, 2), 's'),
          figure(`floor_${size}`, `${size} numbers: stand-ins alone (floor)`, round(floor.ms / 1000, 2), 's'),
          figure(`ratio_${size}`, `${size} numbers: ratio to the floor`, round(seconds / (floor.ms / 1000), 2), '×', size === largest ? { op: '<=', value: 1.15 } : undefined),
          figure(`failures_${size}`, `${size} numbers: failures`, failures, 'numbers', { op: '<=', value: 0 }),
        );
      }
    } finally {
      await gateway?.stop();
    }
    return {
      scenario: 'restore',
      title: this.title,
      ranAt: new Date().toISOString(),
      params: { sizes, RESTORE_CONCURRENCY: concurrency, RESTORE_JITTER: env['RESTORE_JITTER'] ?? 'default (250)' },
      figures,
      details: { runs },
    };
  },
};
