import { FeedClients } from '../lib/feed-clients.js';
import { benchEnv, GatewayProcess, makeDataRoot } from '../lib/gateway.js';
import { childEndpoint, childRequest, isLoggedIn, pairNumbers, phoneNumbers, registerNumbers, waitForDevices, type ChildEndpoint } from '../lib/numbers.js';
import { cpuMs, machineLoadMeter, sleep, type MachineLoad } from '../lib/processes.js';
import { distribution, round, type Distribution } from '../lib/stats.js';
import { figure, type BenchContext, type Figure, type Scenario, type ScenarioResult } from './types.js';

const TICK_MS = 100;
/** How long after the last injection a step may take to arrive everywhere before it counts as lost. */
const DRAIN_TIMEOUT_MS = 60_000;

interface StepResult {
  readonly offeredPerSec: number;
  readonly injected: number;
  /** Events per second from the children through to every client (first injection → last receipt). */
  readonly eventsPerSec: number;
  /** Socket.IO messages per second received by all clients together. */
  readonly deliveriesPerSec: number;
  readonly lost: number;
  readonly fromGateway: Distribution;
  readonly fromInjection: Distribution;
  readonly cpuPercent: Record<string, number>;
  readonly machine: MachineLoad;
  readonly injectErrors: number;
}

/**
 * Inject `offeredPerSec` incoming messages for `durationSec` through the children's control API, spread over the
 * numbers in 100 ms ticks; each child then fires one signed webhook per message at the gateway.
 */
async function inject(children: readonly ChildEndpoint[], step: number, offeredPerSec: number, durationSec: number): Promise<{ injected: number; errors: number }> {
  const perTick = (offeredPerSec * TICK_MS) / 1000;
  const ticks = Math.round((durationSec * 1000) / TICK_MS);
  const inFlight: Promise<void>[] = [];
  let injected = 0;
  let errors = 0;
  let carry = 0;
  let next = 0;
  const started = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    carry += perTick;
    const due = Math.floor(carry);
    carry -= due;
    // Spread this tick's events over the numbers, continuing round-robin where the last tick stopped.
    const counts = new Map<ChildEndpoint, number>();
    for (let i = 0; i < due; i++) {
      const child = children[next++ % children.length];
      if (child) counts.set(child, (counts.get(child) ?? 0) + 1);
    }
    for (const [child, count] of counts) {
      injected += count;
      inFlight.push(
        childRequest(child, 'POST', '/_sim/incoming', { count, body: `fan:${step}:${Date.now()}` }).then(
          (res) => {
            if (res.status !== 200) errors += count;
          },
          () => {
            errors += count;
          },
        ),
      );
    }
    const wait = started + (tick + 1) * TICK_MS - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(inFlight);
  return { injected: injected - errors, errors };
}

/**
 * 4. Realtime fan-out: N logged-in numbers, C Socket.IO clients (admin token: every client gets every number's
 * events), one step per offered rate. Latency is measured from the message's `timestamp` (the gateway recorded
 * it) and, end to end, from the moment the bench asked the child to deliver it.
 */
export const fanoutScenario: Scenario = {
  name: 'fanout',
  title: 'Realtime fan-out (child webhooks → Socket.IO clients)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { args } = ctx;
    const dataRoot = makeDataRoot('fanout');
    const gateway = await GatewayProcess.start(dataRoot, benchEnv(dataRoot, ctx.ports), ctx.gatewayNodeArgs());
    let clients: FeedClients | null = null;
    try {
      const phones = phoneNumbers(args.numbers);
      ctx.log(`fanout: registering and pairing ${phones.length} numbers`);
      await registerNumbers(gateway, phones);
      await pairNumbers(gateway, phones);
      const children = (await waitForDevices(gateway, phones, isLoggedIn, 120_000, 'every number to be logged in')).map(childEndpoint);
      const feed = new FeedClients(gateway.url, await gateway.token(), args.fanoutClients);
      clients = feed;
      await feed.connected(30_000);

      ctx.log('fanout: warm-up');
      await inject(children, 0, 500, 2);
      await sleep(2000);

      const steps: StepResult[] = [];
      for (const [index, offered] of args.fanoutRates.entries()) {
        const step = index + 1;
        const watched = { gateway: gateway.pid, client: process.pid };
        const cpuBefore = { gateway: cpuMs(gateway.pid) ?? 0, client: cpuMs(process.pid) ?? 0, children: children.reduce((a, c) => a + (cpuMs(c.pid) ?? 0), 0) };
        const machine = machineLoadMeter();
        const startedAt = Date.now();
        const { injected, errors } = await ctx.measure(gateway, `fanout-${offered}`, async () => {
          const result = await inject(children, step, offered, args.fanoutDuration);
          try {
            await waitForAll(feed, step, result.injected);
          } catch {
            // Counted as lost below.
          }
          return result;
        });
        const elapsed = Date.now() - startedAt;
        const load = machine();
        const cpuPercent = {
          gateway: Math.round((((cpuMs(watched.gateway) ?? 0) - cpuBefore.gateway) / elapsed) * 100),
          children: Math.round(((children.reduce((a, c) => a + (cpuMs(c.pid) ?? 0), 0) - cpuBefore.children) / elapsed) * 100),
          client: Math.round((((cpuMs(watched.client) ?? 0) - cpuBefore.client) / elapsed) * 100),
        };
        const receipts = feed.receipts.flatMap((list) => list.filter((r) => r.step === step));
        const lastReceipt = receipts.reduce((max, r) => Math.max(max, r.at), startedAt);
        const seconds = (lastReceipt - startedAt) / 1000;
        const result: StepResult = {
          offeredPerSec: offered,
          injected,
          eventsPerSec: seconds > 0 ? injected / seconds : 0,
          deliveriesPerSec: seconds > 0 ? receipts.length / seconds : 0,
          lost: injected * args.fanoutClients - receipts.length,
          fromGateway: distribution(receipts.map((r) => r.fromGateway)),
          fromInjection: distribution(receipts.map((r) => r.fromInjection)),
          cpuPercent,
          machine: load,
          injectErrors: errors,
        };
        steps.push(result);
        for (const list of feed.receipts) list.length = 0;
        ctx.log(
          `fanout: offered ${offered}/s → ${result.eventsPerSec.toFixed(0)} events/s, ${result.deliveriesPerSec.toFixed(0)} deliveries/s, ` +
            `p50 ${result.fromGateway.p50} ms p99 ${result.fromGateway.p99} ms (from injection p99 ${result.fromInjection.p99} ms), lost ${result.lost}, ` +
            `cpu ${JSON.stringify(cpuPercent)}, machine ${JSON.stringify(load)}`,
        );
        await sleep(2000);
      }

      // The best step that kept up with its offered rate (≥ 95 %) with p99 ≤ 50 ms.
      const good = steps.filter((s) => s.lost === 0 && s.eventsPerSec >= 0.95 * s.offeredPerSec && s.fromGateway.p99 <= 50);
      const best = good.reduce<StepResult | null>((a, s) => (!a || s.eventsPerSec > a.eventsPerSec ? s : a), null);
      const top = steps.reduce<StepResult | null>((a, s) => (!a || s.eventsPerSec > a.eventsPerSec ? s : a), null);
      const figures: Figure[] = [
        figure('events_per_sec_p99_50', 'events/s sustained with p99 ≤ 50 ms', round(best?.eventsPerSec ?? 0, 0), 'events/s', { op: '>=', value: 10_000 }),
        figure('deliveries_per_sec_p99_50', 'Socket.IO deliveries/s at that rate (× clients)', round(best?.deliveriesPerSec ?? 0, 0), 'msg/s'),
        figure('best_p50', 'latency p50 at that rate', best?.fromGateway.p50 ?? NaN, 'ms'),
        figure('best_p99', 'latency p99 at that rate', best?.fromGateway.p99 ?? NaN, 'ms', { op: '<=', value: 50 }),
        figure('max_events_per_sec', 'highest events/s reached (any latency)', round(top?.eventsPerSec ?? 0, 0), 'events/s'),
        figure('max_p99', 'latency p99 at the highest rate', top?.fromGateway.p99 ?? NaN, 'ms'),
      ];
      return {
        scenario: 'fanout',
        title: this.title,
        ranAt: new Date().toISOString(),
        params: { numbers: phones.length, clients: args.fanoutClients, offeredRates: args.fanoutRates, stepSeconds: args.fanoutDuration },
        figures,
        details: {
          steps: steps.map((s) => ({
            ...s,
            eventsPerSec: round(s.eventsPerSec, 0),
            deliveriesPerSec: round(s.deliveriesPerSec, 0),
          })),
        },
      };
    } finally {
      clients?.close();
      await gateway.stop();
    }
  },
};

async function waitForAll(feed: FeedClients, step: number, expected: number): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let last = -1;
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    const counts = feed.countFor(step);
    const total = counts.reduce((a, b) => a + b, 0);
    if (counts.every((n) => n >= expected)) return;
    if (total !== last) {
      last = total;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 10_000) {
      throw new Error(`no progress for 10 s: ${total} of ${expected * counts.length} deliveries`);
    }
    await sleep(50);
  }
  throw new Error('fan-out step did not finish in time');
}
