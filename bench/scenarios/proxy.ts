import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { benchEnv, GatewayProcess, makeDataRoot, ROOT } from '../lib/gateway.js';
import { runLoad, type LoadOptions, type LoadResult } from '../lib/load.js';
import { childEndpoint, isRunning, phoneNumbers, registerNumbers, waitForDevices } from '../lib/numbers.js';
import { RUN_TAG, RUN_TAG_KEY, type MachineLoad } from '../lib/processes.js';
import { distribution, round } from '../lib/stats.js';

/** The gateway's CPU time per answered request of a run (ms): steadier than throughput on a shared machine. */
export function gatewayCpuPerRequest(run: LoadResult | undefined): number {
  return run && run.ok > 0 ? ((run.cpuPercent['gateway'] ?? NaN) / 100) * run.durationSec * 1000 / run.ok : NaN;
}

/** The middle value: the rounds' ratios, so one round hit by the machine's swings does not decide. */
const median = (values: number[]): number => distribution(values.filter(Number.isFinite)).p50;
import { figure, type BenchContext, type Scenario, type ScenarioResult } from './types.js';

interface Side {
  readonly rps: number;
  /** CPU time of the hop's process (`label`) per answered request, pooled over the runs, in µs. */
  readonly cpuUsPerRequest: number;
  readonly p50: number;
  readonly p99: number;
  readonly runs: { okPerSec: number; p50: number; p99: number; cpuPercent: Record<string, number>; machine: MachineLoad; statusCounts: Record<string, number> }[];
}

function summarise(runs: LoadResult[], label = 'child'): Side {
  const ok = runs.reduce((a, r) => a + r.ok, 0);
  const seconds = runs.reduce((a, r) => a + r.durationSec, 0);
  const cpuMs = runs.reduce((a, r) => a + ((r.cpuPercent[label] ?? 0) / 100) * r.durationSec * 1000, 0);
  const pooled = distribution(runs.flatMap((r) => r.samples));
  return {
    rps: ok / seconds,
    cpuUsPerRequest: ok > 0 ? (cpuMs * 1000) / ok : NaN,
    p50: pooled.p50,
    p99: pooled.p99,
    runs: runs.map((r) => ({
      okPerSec: round(r.okPerSec, 0),
      p50: round(r.latency.p50, 3),
      p99: round(r.latency.p99, 3),
      cpuPercent: r.cpuPercent,
      machine: r.machine,
      statusCounts: r.statusCounts,
    })),
  };
}

/** An admin API key for every number (what an integration would use), made through the API. */
export async function benchKey(gateway: GatewayProcess): Promise<string> {
  const res = await gateway.request<{ key: string }>('POST', '/api/keys', { name: 'bench', scopes: ['numbers:read', 'messages:send', 'events:subscribe'], numbers: '*' });
  if (res.status !== 201) throw new Error(`creating the bench API key: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.key;
}

/** The reference pass-through (bench/bare-proxy.ts) as its own process; resolves once it listens. */
async function startBareProxy(childPort: number, authorization: string): Promise<{ process: ChildProcess; url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bench', 'bare-proxy.js'), String(childPort), authorization], {
    env: { PATH: process.env['PATH'] ?? '', [RUN_TAG_KEY]: RUN_TAG },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    if (!child.stdout) throw new Error('no stdout');
    readline.createInterface({ input: child.stdout }).once('line', (line) => resolve(Number(/listening (\d+)/.exec(line)?.[1] ?? 0)));
    child.once('exit', () => reject(new Error('bare proxy exited during start')));
  });
  return {
    process: child,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * 1. Proxy overhead: `GET /app/status` of one number, straight to its child vs. through
 * `/proxy/whatsapp/{phone}/app/status`, same autocannon client and connections, alternating rounds so drift on
 * the machine hits both sides alike. A bare Node.js pass-through (no auth, no routing) runs as a third side for
 * reference: the cost of any Node proxy hop.
 */
export const proxyScenario: Scenario = {
  name: 'proxy',
  title: 'Proxy overhead (GET /app/status)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { args } = ctx;
    const dataRoot = makeDataRoot('proxy');
    const gateway = await GatewayProcess.start(dataRoot, benchEnv(dataRoot, ctx.ports), ctx.gatewayNodeArgs());
    let stopBare: (() => Promise<void>) | null = null;
    try {
      const [phone] = phoneNumbers(1);
      if (!phone) throw new Error('no number');
      await registerNumbers(gateway, [phone]);
      const [device] = await waitForDevices(gateway, [phone], isRunning, 30_000, 'the number to run');
      if (!device) throw new Error('number not found');
      const child = childEndpoint(device);
      const token = await gateway.token();
      const apiKey = await benchKey(gateway);
      const bare = await startBareProxy(Number(new URL(child.baseUrl).port), child.authorization);
      stopBare = bare.stop;
      const watch = { gateway: gateway.pid, child: child.pid };
      const common = { connections: args.connections, watch };
      // The gateway adds X-Device-Id itself; the direct call sends the same header so the child does the same work.
      const direct: Omit<LoadOptions, 'durationSec'> = { ...common, url: `${child.baseUrl}/app/status`, headers: { authorization: child.authorization, 'x-device-id': phone } };
      const proxied: Omit<LoadOptions, 'durationSec'> = { ...common, url: `${gateway.url}/proxy/whatsapp/${phone}/app/status`, headers: { authorization: `Bearer ${token}` } };
      const keyed: Omit<LoadOptions, 'durationSec'> = { ...proxied, headers: { authorization: `Bearer ${apiKey}` } };
      const reference: Omit<LoadOptions, 'durationSec'> = { ...common, watch: { bare: bare.process.pid ?? 0, child: child.pid }, url: `${bare.url}/app/status`, headers: { 'x-device-id': phone } };

      ctx.log('proxy: warm-up');
      const warmUp = Math.min(3, args.duration);
      await runLoad({ ...direct, durationSec: warmUp });
      await runLoad({ ...proxied, durationSec: warmUp });
      await runLoad({ ...keyed, durationSec: warmUp });
      await runLoad({ ...reference, durationSec: warmUp });
      const directRuns: LoadResult[] = [];
      const proxiedRuns: LoadResult[] = [];
      const bareRuns: LoadResult[] = [];
      const keyedRuns: LoadResult[] = [];
      for (let round = 1; round <= args.rounds; round++) {
        const d = await runLoad({ ...direct, durationSec: args.duration });
        directRuns.push(d);
        // JWT and API key back to back, their order swapped every round, so drift hits both alike.
        const pair = round % 2 === 1 ? (['jwt', 'key'] as const) : (['key', 'jwt'] as const);
        let p: LoadResult | null = null;
        for (const side of pair) {
          if (side === 'key') keyedRuns.push(await runLoad({ ...keyed, durationSec: args.duration }));
          else p = await ctx.measure(gateway, `proxy-round${round}`, () => runLoad({ ...proxied, durationSec: args.duration }));
        }
        if (!p) throw new Error('no proxied run');
        proxiedRuns.push(p);
        const b = await runLoad({ ...reference, durationSec: args.duration });
        bareRuns.push(b);
        ctx.log(
          `proxy: round ${round}: direct ${d.okPerSec.toFixed(0)}/s p50 ${d.latency.p50.toFixed(3)} ms; proxied ${p.okPerSec.toFixed(0)}/s p50 ${p.latency.p50.toFixed(3)} ms ` +
            `cpu ${JSON.stringify(p.cpuPercent)}; bare proxy ${b.okPerSec.toFixed(0)}/s p50 ${b.latency.p50.toFixed(3)} ms cpu ${JSON.stringify(b.cpuPercent)}`,
        );
      }
      // One connection: the latency of the hop itself, without queueing behind other requests.
      const single = { connections: 1, durationSec: Math.max(1, Math.round(args.duration / 2)) };
      const d1 = await runLoad({ ...direct, ...single });
      const p1 = await runLoad({ ...proxied, ...single });
      const b1 = await runLoad({ ...reference, ...single });
      ctx.log(`proxy: one connection: direct p50 ${d1.latency.p50.toFixed(3)} ms, proxied p50 ${p1.latency.p50.toFixed(3)} ms, bare pass-through p50 ${b1.latency.p50.toFixed(3)} ms`);
      const bad = [...directRuns, ...proxiedRuns, ...keyedRuns, ...bareRuns, d1, p1, b1].filter((r) => r.ok !== r.requests || r.errors > 0);
      if (bad.length > 0) ctx.log(`proxy: ${bad.length} run(s) had non-2xx answers or errors: ${JSON.stringify(bad.map((r) => r.statusCounts))}`);
      const d = summarise(directRuns);
      const p = summarise(proxiedRuns, 'gateway');
      const b = summarise(bareRuns, 'bare');
      const k = summarise(keyedRuns, 'gateway');
      return {
        scenario: 'proxy',
        title: this.title,
        ranAt: new Date().toISOString(),
        params: { connections: args.connections, durationSec: args.duration, rounds: args.rounds },
        figures: [
          figure('direct_rps', 'direct to the child', round(d.rps, 0), 'req/s'),
          figure('proxied_rps', 'through /proxy/whatsapp', round(p.rps, 0), 'req/s'),
          figure('throughput_ratio', 'throughput ratio proxied/direct', round(p.rps / d.rps, 3), '×'),
          figure('direct_p50', 'direct p50', round(d.p50, 3), 'ms'),
          figure('proxied_p50', 'proxied p50', round(p.p50, 3), 'ms'),
          figure('added_p50', 'added latency p50', round(p.p50 - d.p50, 3), 'ms'),
          figure('direct_p99', 'direct p99', round(d.p99, 3), 'ms'),
          figure('proxied_p99', 'proxied p99', round(p.p99, 3), 'ms'),
          figure('added_p99', 'added latency p99', round(p.p99 - d.p99, 3), 'ms'),
          figure('added_p50_1c', 'added latency p50, one connection', round(p1.latency.p50 - d1.latency.p50, 3), 'ms', { op: '<=', value: 0.3 }),
          figure('added_p99_1c', 'added latency p99, one connection', round(p1.latency.p99 - d1.latency.p99, 3), 'ms'),
          figure('bare_rps', 'reference: bare Node.js pass-through', round(b.rps, 0), 'req/s'),
          figure('bare_ratio', 'reference: bare pass-through/direct', round(b.rps / d.rps, 3), '×'),
          figure('bare_added_p50', 'reference: bare pass-through added p50', round(b.p50 - d.p50, 3), 'ms'),
          figure('bare_added_p50_1c', 'reference: bare pass-through added p50, one connection', round(b1.latency.p50 - d1.latency.p50, 3), 'ms'),
          figure('gateway_cpu_per_request', 'gateway CPU per proxied request', round(p.cpuUsPerRequest, 0), 'µs'),
          figure('bare_cpu_per_request', 'reference: bare pass-through CPU per request', round(b.cpuUsPerRequest, 0), 'µs'),
          figure('gateway_vs_bare', 'gateway hop/bare pass-through throughput', round(p.rps / b.rps, 3), '×', { op: '>=', value: 0.8 }),
          figure('key_rps', 'through /proxy/whatsapp with an API key', round(k.rps, 0), 'req/s'),
          figure('key_vs_jwt', 'throughput API key/JWT through the proxy', round(median(keyedRuns.map((run, i) => run.okPerSec / (proxiedRuns[i]?.okPerSec ?? NaN))), 3), '×', { op: '>=', value: 0.95 }),
          figure('key_p50', 'proxied p50 with an API key', round(k.p50, 3), 'ms'),
          figure('key_cpu_vs_jwt', 'gateway CPU per proxied request, API key/JWT', round(median(keyedRuns.map((run, i) => gatewayCpuPerRequest(run) / gatewayCpuPerRequest(proxiedRuns[i]))), 3), '×', { op: '<=', value: 1.05 }),
        ],
        details: {
          direct: d.runs,
          proxied: p.runs,
          keyed: k.runs,
          bare: b.runs,
          oneConnection: { direct: summarise([d1]).runs[0], proxied: summarise([p1]).runs[0], bare: summarise([b1]).runs[0] },
        },
      };
    } finally {
      await stopBare?.();
      await gateway.stop();
    }
  },
};
