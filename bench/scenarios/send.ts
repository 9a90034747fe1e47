import type { AutocannonRequest } from 'autocannon';
import { benchEnv, GatewayProcess, makeDataRoot } from '../lib/gateway.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { childRequest, loggedInChildren, mapLimit, phoneNumbers, type ChildEndpoint } from '../lib/numbers.js';
import { OutboxRows, type SentRow } from '../lib/outbox-rows.js';
import { waitUntil } from '../lib/processes.js';
import { distribution, round, type Distribution } from '../lib/stats.js';
import { benchKey, gatewayCpuPerRequest } from './proxy.js';
import { figure, type BenchContext, type Scenario, type ScenarioResult } from './types.js';

const RECIPIENT = '5511987654321';

interface SimSent {
  readonly message_id: string;
  readonly at: string;
}

/** message id → when the child recorded the send (its `/_sim/sent` `at`, after its own handling). */
async function childSendTimes(children: readonly ChildEndpoint[]): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  await mapLimit(children, 8, async (child) => {
    const res = await childRequest<{ results: { sent: SimSent[] } }>(child, 'GET', '/_sim/sent');
    for (const entry of res.body.results.sent) times.set(entry.message_id, Date.parse(entry.at));
  });
  return times;
}

/**
 * The child's own handling of a send, measured without the gateway: the client's clock just before a direct
 * `POST /send/message` to the time the child stamps the send in `/_sim/sent` (its handling plus the loopback hop).
 */
async function childOwnHandling(children: readonly ChildEndpoint[], perChild: number): Promise<Distribution> {
  const started = new Map<string, number>();
  for (const child of children) {
    for (let i = 0; i < perChild; i++) {
      const t0 = Date.now();
      const res = await childRequest<{ results: { message_id: string } }>(child, 'POST', '/send/message', { phone: RECIPIENT, message: `direct ${i}` });
      if (res.status !== 200) throw new Error(`direct send to ${child.phoneNumber}: ${res.status}`);
      started.set(res.body.results.message_id, t0);
    }
  }
  const times = await childSendTimes(children);
  return distribution([...started].map(([id, t0]) => (times.get(id) ?? NaN) - t0).filter(Number.isFinite));
}

/** Accept → child latency of the messages accepted in a window: child `at` minus the row's `createdAt`. */
function acceptToChild(rows: readonly SentRow[], times: Map<string, number>): { latency: Distribution; notSent: number } {
  const values: number[] = [];
  let notSent = 0;
  for (const row of rows) {
    const at = row.waMessageId ? times.get(row.waMessageId) : undefined;
    if (at === undefined) notSent++;
    else values.push(at - row.createdAt);
  }
  return { latency: distribution(values), notSent };
}

/** CPU time a process group spent per accepted message during a run, in ms. */
function cpuPerMessage(result: LoadResult, label: string): number {
  return result.ok > 0 ? ((result.cpuPercent[label] ?? 0) / 100) * result.durationSec * 1000 / result.ok : NaN;
}

/**
 * 2. Send pipeline: `POST /api/messages/send` across N logged-in numbers with pacing off (QUEUE_INTERVAL=0):
 * a throughput run (as fast as autocannon's connections go), then a latency run at a fixed offered rate;
 * each followed by waiting until the outbox has sent everything.
 */
export const sendScenario: Scenario = {
  name: 'send',
  title: 'Send pipeline (POST /api/messages/send → child)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { args } = ctx;
    const dataRoot = makeDataRoot('send');
    const env = benchEnv(dataRoot, ctx.ports, { QUEUE_INTERVAL: '0' });
    const gateway = await GatewayProcess.start(dataRoot, env, ctx.gatewayNodeArgs());
    let rows: OutboxRows | null = null;
    try {
      const phones = phoneNumbers(args.numbers);
      ctx.log(`send: registering and pairing ${phones.length} numbers`);
      const children = await loggedInChildren(gateway, phones);
      rows = new OutboxRows(dataRoot);
      const outbox = rows;

      const own = await childOwnHandling(children.slice(0, 5), 20);
      ctx.log(`send: child's own handling p50 ${own.p50.toFixed(1)} ms, p99 ${own.p99.toFixed(1)} ms`);

      const token = await gateway.token();
      let n = 0;
      const load = {
        url: `${gateway.url}/api/messages/send`,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        requests: [
          {
            method: 'POST',
            setupRequest: (request: AutocannonRequest): AutocannonRequest => {
              n++;
              return { ...request, body: JSON.stringify({ from: phones[n % phones.length], to: RECIPIENT, message: `bench ${n}` }) };
            },
          },
        ],
        watch: { gateway: gateway.pid, children: children.map((c) => c.pid) },
      };
      const drain = async (what: string): Promise<number> => {
        await waitUntil(() => outbox.pending() === 0, 300_000, `the outbox to send everything (${what})`, 100);
        return Date.now();
      };

      ctx.log('send: warm-up');
      await runLoad({ ...load, connections: 10, durationSec: 2 });
      await drain('warm-up');

      const phases: { name: string; result: LoadResult; from: number; to: number; drainedAt: number }[] = [];
      for (const phase of [
        { name: 'throughput', connections: args.sendConnections, overallRate: undefined },
        { name: 'latency', connections: args.sendConnections, overallRate: args.sendRate },
      ]) {
        const from = Date.now();
        let to = 0;
        const { result, drainedAt } = await ctx.measure(gateway, `send-${phase.name}`, async () => {
          const loaded = await runLoad({ ...load, connections: phase.connections, overallRate: phase.overallRate, durationSec: args.duration });
          to = Date.now();
          return { result: loaded, drainedAt: await drain(phase.name) };
        });
        phases.push({ name: phase.name, result, from, to, drainedAt });
        ctx.log(
          `send: ${phase.name}: ${result.okPerSec.toFixed(0)} accepted/s (202 p50 ${result.latency.p50.toFixed(2)} ms, p99 ${result.latency.p99.toFixed(2)} ms), ` +
            `drained ${((drainedAt - to) / 1000).toFixed(1)} s after the load; cpu ${JSON.stringify(result.cpuPercent)}; machine ${JSON.stringify(result.machine)}; ${JSON.stringify(result.statusCounts)}`,
        );
      }

      // Diagnostic: the outbox's accept path alone. Numbers registered without a process accept messages
      // (they wait for their number), so nothing is sent meanwhile; these messages stay queued.
      const idle = phoneNumbers(args.numbers, phones.length);
      for (const phoneNumber of idle) {
        const res = await gateway.request('POST', '/api/devices', { phoneNumber, name: `bench idle ${phoneNumber}`, autoStart: false });
        if (res.status !== 201) throw new Error(`registering ${phoneNumber}: ${res.status}`);
      }
      let m = 0;
      const acceptOnly = await ctx.measure(gateway, 'send-accept-only', () =>
        runLoad({
          ...load,
          connections: args.sendConnections,
          durationSec: args.duration,
          requests: [
            {
              method: 'POST',
              setupRequest: (request: AutocannonRequest): AutocannonRequest => {
                m++;
                return { ...request, body: JSON.stringify({ from: idle[m % idle.length], to: RECIPIENT, message: `accept only ${m}` }) };
              },
            },
          ],
        }),
      );
      ctx.log(`send: accept only (numbers not running): ${acceptOnly.okPerSec.toFixed(0)} accepted/s; cpu ${JSON.stringify(acceptOnly.cpuPercent)}`);

      // The same accept path with an API key instead of the JWT, on the idle numbers (nothing else competes for the
      // CPU, so the credential's cost shows): eight short pairs of runs, the order swapped every pair, judged by the
      // median of the pairs' ratios, so the machine's own swings (other processes) cancel out.
      const apiKey = await benchKey(gateway);
      const compared: Record<'jwt' | 'key', LoadResult[]> = { jwt: [], key: [] };
      const pairRatios: number[] = [];
      const cpuRatios: number[] = [];
      for (let pair = 0; pair < 8; pair++) {
        const got: Partial<Record<'jwt' | 'key', LoadResult>> = {};
        for (const side of pair % 2 === 0 ? (['jwt', 'key'] as const) : (['key', 'jwt'] as const)) {
          const headers = { ...load.headers, authorization: `Bearer ${side === 'key' ? apiKey : token}` };
          const requests = [{ method: 'POST', setupRequest: (request: AutocannonRequest): AutocannonRequest => ({ ...request, body: JSON.stringify({ from: idle[++m % idle.length], to: RECIPIENT, message: `${side} ${m}` }) }) }];
          const result = await runLoad({ ...load, headers, requests, connections: args.sendConnections, durationSec: Math.max(1, Math.round(args.duration / 4)) });
          compared[side].push(result);
          got[side] = result;
        }
        if (got.jwt && got.key && got.jwt.okPerSec > 0) pairRatios.push(got.key.okPerSec / got.jwt.okPerSec);
        if (got.jwt && got.key) cpuRatios.push(gatewayCpuPerRequest(got.key) / gatewayCpuPerRequest(got.jwt));
      }
      const rate = (runs: LoadResult[]) => runs.reduce((a, r) => a + r.ok, 0) / runs.reduce((a, r) => a + r.durationSec, 0);
      const jwtRate = rate(compared.jwt);
      const keyRate = rate(compared.key);
      const keyVsJwt = distribution(pairRatios).p50;
      ctx.log(`send: accept path with a JWT ${jwtRate.toFixed(0)}/s, with an API key ${keyRate.toFixed(0)}/s; median ratio of ${pairRatios.length} pairs ${keyVsJwt.toFixed(3)}`);

      const times = await childSendTimes(children);
      const perPhase = phases.map((p) => {
        // Every request of a run is answered by `to`; only this scenario's sending numbers (not the idle ones).
        const sending = new Set(phones);
        const accepted = outbox.acceptedBetween(p.from, p.to + 1).filter((row) => sending.has(row.phoneNumber));
        const { latency, notSent } = acceptToChild(accepted, times);
        return { ...p, accepted: accepted.length, latency, notSent, endToEndPerSec: accepted.length / ((p.drainedAt - p.from) / 1000) };
      });
      const [throughput, latency] = perPhase;
      if (!throughput || !latency) throw new Error('missing phase');
      const statuses = outbox.countByStatus();
      return {
        scenario: 'send',
        title: this.title,
        ranAt: new Date().toISOString(),
        params: { numbers: phones.length, durationSec: args.duration, connections: args.sendConnections, latencyRunRate: args.sendRate, QUEUE_INTERVAL: 0, QUEUE_CONCURRENCY: 1 },
        figures: [
          figure('accepted_per_sec', 'accepted (202) per second while the stand-ins send', round(throughput.result.okPerSec, 0), 'msg/s'),
          figure('accept_p50', '202 answer p50 (throughput run)', round(throughput.result.latency.p50, 2), 'ms'),
          figure('sent_per_sec', 'accepted and sent to the children, end to end', round(throughput.endToEndPerSec, 0), 'msg/s'),
          figure('saturated_to_child_p50', 'accept → child p50 in the throughput run', round(throughput.latency.p50, 1), 'ms'),
          figure('child_own_p50', "child's own send handling p50 (direct)", round(own.p50, 2), 'ms'),
          figure('to_child_p50', `accept → child p50 at ${args.sendRate} msg/s`, round(latency.latency.p50, 2), 'ms'),
          figure('to_child_p99', `accept → child p99 at ${args.sendRate} msg/s`, round(latency.latency.p99, 2), 'ms'),
          figure('added_p50', `added by the gateway p50 at ${args.sendRate} msg/s`, round(latency.latency.p50 - own.p50, 2), 'ms', { op: '<=', value: 5 }),
          figure('added_p99', `added by the gateway p99 at ${args.sendRate} msg/s`, round(latency.latency.p99 - own.p99, 2), 'ms'),
          figure('gateway_cpu_per_msg', 'gateway CPU per message (throughput run)', round(cpuPerMessage(throughput.result, 'gateway'), 2), 'ms'),
          figure('children_cpu_per_msg', 'stand-ins CPU per message (throughput run)', round(cpuPerMessage(throughput.result, 'children'), 2), 'ms'),
          figure('accept_only_per_sec', `accept path: accepted/s with ${args.sendConnections} connections (nothing sent: numbers stopped)`, round(acceptOnly.okPerSec, 0), 'msg/s', { op: '>=', value: 2000 }),
          figure('accept_only_p50', 'accept path: 202 answer p50', round(acceptOnly.latency.p50, 2), 'ms'),
          figure('accept_only_cpu_per_msg', 'accept path: gateway CPU per message', round(cpuPerMessage(acceptOnly, 'gateway'), 3), 'ms'),
          figure('key_accepted_per_sec', 'accepted per second with an API key (idle numbers, alternating runs)', round(keyRate, 0), 'msg/s'),
          figure('jwt_accepted_per_sec', 'accepted per second with a JWT (the same runs)', round(jwtRate, 0), 'msg/s'),
          figure('key_vs_jwt', 'throughput API key/JWT on sends', round(keyVsJwt, 3), '×', { op: '>=', value: 0.95 }),
          figure('key_cpu_vs_jwt', 'gateway CPU per accepted send, API key/JWT', round(distribution(cpuRatios.filter(Number.isFinite)).p50, 3), '×', { op: '<=', value: 1.05 }),
        ],
        details: {
          childOwnHandling: own,
          phases: perPhase.map((p) => ({
            name: p.name,
            acceptedPerSec: round(p.result.okPerSec, 0),
            acceptLatency: p.result.latency,
            statusCounts: p.result.statusCounts,
            cpuPercent: p.result.cpuPercent,
            machine: p.result.machine,
            accepted: p.accepted,
            notSentToChild: p.notSent,
            drainSeconds: round((p.drainedAt - p.to) / 1000, 2),
            endToEndPerSec: round(p.endToEndPerSec, 0),
            acceptToChild: p.latency,
          })),
          finalStatusesIncludingAcceptOnly: statuses,
          credentialComparison: { jwt: compared.jwt.map((r) => round(r.okPerSec, 0)), key: compared.key.map((r) => round(r.okPerSec, 0)), pairRatios: pairRatios.map((r) => round(r, 3)), cpuRatios: cpuRatios.map((r) => round(r, 3)) },
          acceptOnly: { acceptedPerSec: round(acceptOnly.okPerSec, 0), acceptLatency: acceptOnly.latency, cpuPercent: acceptOnly.cpuPercent, machine: acceptOnly.machine },
        },
      };
    } finally {
      rows?.close();
      await gateway.stop();
    }
  },
};
