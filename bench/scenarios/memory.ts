import path from 'node:path';
import { benchEnv, GatewayProcess, makeDataRoot, ROOT } from '../lib/gateway.js';
import { isRunning, phoneNumbers, registerNumbers, waitForDevices } from '../lib/numbers.js';
import { rssMb, sleep } from '../lib/processes.js';
import { linearFit, median, round } from '../lib/stats.js';
import { figure, type BenchContext, type Figure, type Scenario, type ScenarioResult } from './types.js';

interface HeapFigures {
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);

/** VmRSS of the gateway after a settle period and forced full GCs (median of three readings), with its heap figures. */
async function settledRss(gateway: GatewayProcess, settleSec: number): Promise<{ rss: number; heap: HeapFigures | null }> {
  await sleep(settleSec * 1000);
  const seen = gateway.output.length;
  process.kill(gateway.pid, 'SIGUSR2');
  await sleep(1000);
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    const rss = rssMb(gateway.pid);
    if (rss === null) throw new Error('gateway is gone');
    readings.push(rss);
    await sleep(500);
  }
  const line = gateway.output.slice(seen).find((l) => l.startsWith('{"benchMemory"'));
  const heap = line ? (JSON.parse(line) as { benchMemory: HeapFigures }).benchMemory : null;
  return { rss: median(readings), heap };
}

/**
 * 5. Memory: the gateway's own RSS (not its children's) with 0, 50, 100, 200 supervised (running) numbers, in
 * one gateway process that gains numbers step by step; slope per number by least squares.
 */
export const memoryScenario: Scenario = {
  name: 'memory',
  title: 'Gateway memory (RSS) per supervised number',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { args } = ctx;
    const sizes = [...args.memorySizes].sort((a, b) => a - b);
    const largest = sizes.at(-1) ?? 0;
    const dataRoot = makeDataRoot('memory');
    const env = benchEnv(dataRoot, ctx.ports, { MAX_PROCESSES: String(largest + 10) });
    const nodeArgs = ['--expose-gc', '--import', path.join(ROOT, 'dist', 'bench', 'gc-signal.js'), ...ctx.gatewayNodeArgs()];
    const gateway = await GatewayProcess.start(dataRoot, env, nodeArgs);
    const points: { x: number; y: number }[] = [];
    const heaps: Record<string, unknown>[] = [];
    try {
      await gateway.token();
      const phones: string[] = [];
      for (const size of sizes) {
        const added = phoneNumbers(size - phones.length, phones.length);
        if (added.length > 0) {
          await registerNumbers(gateway, added);
          phones.push(...added);
          await waitForDevices(gateway, phones, (d) => isRunning(d) && d.connected, 300_000, 'every number to run');
        }
        // The first reading also waits for start-up garbage (migrations, module loading) to be returned.
        const { rss, heap } = await settledRss(gateway, size === sizes[0] ? args.memorySettle * 3 : args.memorySettle);
        points.push({ x: size, y: rss });
        const heapMb = heap ? { heapUsed: mb(heap.heapUsed), heapTotal: mb(heap.heapTotal), external: mb(heap.external), arrayBuffers: mb(heap.arrayBuffers) } : null;
        heaps.push({ numbers: size, rssMb: round(rss, 1), ...heapMb });
        ctx.log(`memory: ${size} numbers → gateway RSS ${rss.toFixed(1)} MB; heap ${JSON.stringify(heapMb)}`);
      }
    } finally {
      await gateway.stop();
    }
    const fit = linearFit(points);
    const base = points.find((p) => p.x === 0)?.y ?? fit.intercept;
    const figures: Figure[] = [
      figure('base_mb', 'gateway RSS with 0 numbers', round(base, 1), 'MB', { op: '<=', value: 150 }),
      ...points.filter((p) => p.x > 0).map((p) => figure(`rss_${p.x}`, `gateway RSS with ${p.x} numbers`, round(p.y, 1), 'MB')),
      figure('slope_mb', 'slope per supervised number', round(fit.slope, 3), 'MB', { op: '<=', value: 0.3 }),
    ];
    return {
      scenario: 'memory',
      title: this.title,
      ranAt: new Date().toISOString(),
      params: { sizes, settleSec: args.memorySettle },
      figures,
      details: { points: heaps, fit: { slopeMb: round(fit.slope, 4), interceptMb: round(fit.intercept, 2) } },
    };
  },
};
