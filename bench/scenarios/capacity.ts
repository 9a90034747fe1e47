import type { AutocannonRequest } from 'autocannon';
import { benchEnv, GatewayProcess, makeDataRoot } from '../lib/gateway.js';
import { runLoad } from '../lib/load.js';
import { isLoggedIn, phoneNumbers, registerNumbers, waitForDevices } from '../lib/numbers.js';
import { OutboxRows } from '../lib/outbox-rows.js';
import { cpuMs, machineLoadMeter, sleep, type MachineLoad } from '../lib/processes.js';
import { FeedSink, RESPONDER_SHIM, ResponderHub } from '../lib/responders.js';
import { round } from '../lib/stats.js';
import type { HubStats, SinkCounts, SinkLatency } from '../responder/protocol.js';
import { figure, type BenchContext, type Figure, type Scenario, type ScenarioResult } from './types.js';

const RECIPIENT = '5511987654321';
/** A step keeps up when its last message is read, published and delivered this soon after the load ends. */
const DRAIN_LIMIT_MS = 1000;
/** Gives up waiting for a step once nothing has moved for this long. */
const STALL_MS = 10_000;
const FAN_P99_LIMIT_MS = 50;
const IN_FLIGHT = ['queued', 'sending', 'sent', 'delivered'];

/** The processes whose CPU a step reports. */
interface Watched {
  readonly gateway: number;
  readonly responders: number;
  readonly clients: number;
  readonly shims: readonly number[];
}

function cpuNow(w: Watched): Record<string, number> {
  return {
    gateway: cpuMs(w.gateway) ?? 0,
    responders: cpuMs(w.responders) ?? 0,
    clients: cpuMs(w.clients) ?? 0,
    shims: w.shims.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0),
    bench: cpuMs(process.pid) ?? 0,
  };
}

const diff = (after: Record<string, number>, before: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));

const minOver = (now: readonly number[], then: readonly number[]): number => now.reduce((min, n, i) => Math.min(min, n - (then[i] ?? 0)), Infinity);

/** Poll `progress` until `done`; throws when it stops moving for STALL_MS. Resolves with Date.now() at completion. */
async function waitFor(progress: () => Promise<{ done: boolean; marker: number }>, pollMs: number): Promise<number> {
  let last = NaN;
  let movedAt = Date.now();
  for (;;) {
    const { done, marker } = await progress();
    if (done) return Date.now();
    if (marker !== last) {
      last = marker;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > STALL_MS) throw new Error(`no progress for ${STALL_MS / 1000} s (at ${marker})`);
    await sleep(pollMs);
  }
}

export interface SendStep {
  readonly offeredPerSec: number;
  readonly acceptedPerSec: number;
  readonly accepted: number;
  readonly refused: number;
  /** Accepted messages per second from the first request until the last one was read, published and delivered. */
  readonly endToEndPerSec: number;
  readonly drainMs: number;
  readonly keptUp: boolean;
  /** Messages of the step that did not reach `read`, by status (empty when every one did). */
  readonly notRead: Record<string, number>;
  readonly acceptP50: number;
  readonly acceptP99: number;
  /** Socket.IO publish latency of the receipts (receipt time − the event's timestamp), all clients. */
  readonly publish: SinkLatency;
  readonly cpuMsPerMessage: Record<string, number>;
  readonly cpuPercent: Record<string, number>;
  readonly machine: MachineLoad;
  readonly hubErrors: number;
  /** Receipt webhooks the responders had to send again (the gateway refused or dropped an attempt). */
  readonly webhookRetries: number;
}

export interface FanStep {
  readonly offeredPerSec: number;
  readonly injected: number;
  readonly eventsPerSec: number;
  readonly deliveriesPerSec: number;
  readonly lost: number;
  readonly latency: SinkLatency;
  readonly keptUp: boolean;
  /** Outbound webhooks of this step's events delivered by the time the last client had every event. */
  readonly webhooksDeliveredPerSec: number;
  readonly webhookBacklogAtEnd: number;
  /** How long after the step the outbound webhook backlog took to empty (before the next step). */
  readonly webhookDrainMs: number;
  readonly cpuMsPerEvent: Record<string, number>;
  readonly cpuPercent: Record<string, number>;
  readonly machine: MachineLoad;
  readonly injectErrors: number;
}

interface Rig {
  readonly ctx: BenchContext;
  readonly gateway: GatewayProcess;
  readonly hub: ResponderHub;
  readonly sink: FeedSink;
  readonly rows: OutboxRows;
  readonly phones: readonly string[];
  readonly watched: Watched;
  readonly token: string;
}

async function sendStep(rig: Rig, offered: number, durationSec: number, label: string | null): Promise<SendStep> {
  const { ctx, gateway, hub, sink, rows, phones } = rig;
  let n = 0;
  const [hubBefore, sinkBefore] = await Promise.all([hub.stats(), sink.counts(), sink.latency(true)]);
  const cpuBefore = cpuNow(rig.watched);
  const machine = machineLoadMeter();
  const from = Date.now();
  const phase = async () => {
    const load = await runLoad({
      url: `${gateway.url}/api/messages/send`,
      method: 'POST',
      headers: { authorization: `Bearer ${rig.token}`, 'content-type': 'application/json' },
      connections: ctx.args.sendConnections,
      overallRate: offered,
      durationSec,
      requests: [
        {
          method: 'POST',
          setupRequest: (request: AutocannonRequest): AutocannonRequest => {
            n++;
            return { ...request, body: JSON.stringify({ from: phones[n % phones.length], to: RECIPIENT, message: `capacity ${n}` }) };
          },
        },
      ],
    });
    const to = Date.now();
    // Done = nothing of the step still in flight, and both receipts of each read message at every client and in as
    // outbound webhooks. A step that stalls (a message stuck, a client short) is reported as not keeping up.
    let complete = true;
    let completedAt = Date.now();
    try {
      completedAt = await waitFor(async () => {
        const [hubNow, sinkNow] = await Promise.all([hub.stats(), sink.counts()]);
        const open = rows.notReadSince(from);
        const inFlight = IN_FLIGHT.reduce((sum, status) => sum + (open[status] ?? 0), 0);
        const read = load.ok - Object.values(open).reduce((a, b) => a + b, 0);
        const acksEverywhere = minOver(sinkNow.acks, sinkBefore.acks);
        const outbound = (hubNow.outbound['message.ack'] ?? 0) - (hubBefore.outbound['message.ack'] ?? 0);
        return { done: inFlight === 0 && acksEverywhere >= 2 * read && outbound >= 2 * read, marker: inFlight * 1e12 + read * 1e6 + acksEverywhere + outbound };
      }, 20);
    } catch (err) {
      complete = false;
      completedAt = Date.now();
      ctx.log(`capacity: send step at ${offered}/s did not complete: ${(err as Error).message}; open rows ${JSON.stringify(rows.notReadSince(from))}`);
    }
    return { load, to, completedAt, complete };
  };
  const { load, to, completedAt, complete } = label ? await ctx.measure(gateway, label, phase, (r) => ({ count: r.load.ok, unit: 'message' })) : await phase();
  const cpu = diff(cpuNow(rig.watched), cpuBefore);
  const elapsedMs = completedAt - from;
  const [hubAfter, publish] = await Promise.all([hub.stats(), sink.latency(true)]);
  const refused = Object.entries(load.statusCounts).reduce((sum, [status, count]) => sum + (status === '202' ? 0 : count), 0) + load.errors;
  const open = rows.notReadSince(from);
  const hubErrors = hubAfter.ackErrors - hubBefore.ackErrors;
  const drainMs = completedAt - to;
  const acceptedPerSec = load.ok / load.durationSec;
  return {
    offeredPerSec: offered,
    acceptedPerSec,
    accepted: load.ok,
    refused,
    endToEndPerSec: load.ok / (elapsedMs / 1000),
    drainMs,
    keptUp: complete && Object.keys(open).length === 0 && acceptedPerSec >= 0.95 * offered && refused === 0 && hubErrors === 0 && drainMs <= DRAIN_LIMIT_MS,
    notRead: open,
    acceptP50: round(load.latency.p50, 2),
    acceptP99: round(load.latency.p99, 2),
    publish,
    cpuMsPerMessage: Object.fromEntries(Object.entries(cpu).map(([k, ms]) => [k, load.ok > 0 ? round(ms / load.ok, 3) : NaN])),
    cpuPercent: Object.fromEntries(Object.entries(cpu).map(([k, ms]) => [k, Math.round((ms / elapsedMs) * 100)])),
    machine: machine(),
    hubErrors,
    webhookRetries: hubAfter.retries - hubBefore.retries,
  };
}

async function fanStep(rig: Rig, offered: number, durationSec: number, step: number, label: string | null): Promise<FanStep> {
  const { ctx, gateway, hub, sink } = rig;
  const [hubBefore, sinkBefore] = await Promise.all([hub.stats(), sink.counts(), sink.latency(true)]);
  const cpuBefore = cpuNow(rig.watched);
  const machine = machineLoadMeter();
  const from = Date.now();
  const phase = async () => {
    const injected = await hub.inject({ rate: offered, durationSec, step });
    let last: SinkCounts = sinkBefore;
    let complete = true;
    try {
      await waitFor(async () => {
        last = await sink.counts();
        const least = minOver(last.messages, sinkBefore.messages);
        return { done: least >= injected.injected, marker: last.messages.reduce((a, b) => a + b, 0) };
      }, 20);
    } catch {
      complete = false;
    }
    return { injected, last, complete, hubAtEnd: await hub.stats() };
  };
  const { injected, last, complete, hubAtEnd } = label ? await ctx.measure(gateway, label, phase, (r) => ({ count: r.injected.injected, unit: 'event' })) : await phase();
  const cpu = diff(cpuNow(rig.watched), cpuBefore);
  const lastAt = last.lastAt > from ? last.lastAt : Date.now();
  const seconds = (lastAt - from) / 1000;
  const latency = await sink.latency(true);
  const delivered = last.messages.reduce((sum, n, i) => sum + n - (sinkBefore.messages[i] ?? 0), 0);
  const expected = injected.injected * last.messages.length;
  const webhooksAtEnd = (hubAtEnd.outbound['message'] ?? 0) - (hubBefore.outbound['message'] ?? 0);
  // The next step starts with the gateway's webhook backlog empty, so one step's deliveries never load the next.
  const drainStarted = Date.now();
  await waitFor(async () => {
    const stats: HubStats = await hub.stats();
    const sent = (stats.outbound['message'] ?? 0) - (hubBefore.outbound['message'] ?? 0);
    return { done: sent >= injected.injected, marker: sent };
  }, 100).catch(() => undefined);
  const eventsPerSec = seconds > 0 ? injected.injected / seconds : 0;
  const result: FanStep = {
    offeredPerSec: offered,
    injected: injected.injected,
    eventsPerSec,
    deliveriesPerSec: seconds > 0 ? delivered / seconds : 0,
    lost: expected - delivered,
    latency,
    keptUp: complete && expected === delivered && injected.errors === 0 && eventsPerSec >= 0.95 * offered && latency.p99 <= FAN_P99_LIMIT_MS,
    webhooksDeliveredPerSec: seconds > 0 ? webhooksAtEnd / seconds : 0,
    webhookBacklogAtEnd: injected.injected - webhooksAtEnd,
    webhookDrainMs: Date.now() - drainStarted,
    cpuMsPerEvent: Object.fromEntries(Object.entries(cpu).map(([k, ms]) => [k, injected.injected > 0 ? round(ms / injected.injected, 3) : NaN])),
    cpuPercent: Object.fromEntries(Object.entries(cpu).map(([k, ms]) => [k, Math.round((ms / Math.max(1, lastAt - from)) * 100)])),
    machine: machine(),
    injectErrors: injected.errors,
  };
  return result;
}

const best = <T extends { keptUp: boolean }>(steps: readonly T[], rate: (s: T) => number): T | null =>
  steps.filter((s) => s.keptUp).reduce<T | null>((a, s) => (!a || rate(s) > rate(a) ? s : a), null);
const top = <T>(steps: readonly T[], rate: (s: T) => number): T | null => steps.reduce<T | null>((a, s) => (!a || rate(s) > rate(a) ? s : a), null);

/**
 * 3. Gateway capacity, isolated: every number's child is the bench's minimal responder (bench/responder/), so
 * what is measured is the gateway's own work. Send steps at rising offered rates (accept → send → delivered →
 * read, each receipt journaled, published to every Socket.IO client and posted as one outbound webhook), then
 * fan-out steps (incoming messages injected by the responders: journaled, published, one outbound webhook each).
 */
export const capacityScenario: Scenario = {
  name: 'capacity',
  title: 'Gateway capacity, isolated (minimal responders instead of the stand-ins)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { args } = ctx;
    const hub = await ResponderHub.start();
    const dataRoot = makeDataRoot('capacity');
    const env = benchEnv(dataRoot, ctx.ports, {
      WHATSAPP_BINARY: RESPONDER_SHIM,
      QUEUE_INTERVAL: '0',
      SIM_CAPACITY_HUB: String(hub.controlPort),
      WEBHOOK_URL: hub.receiverUrl,
      WEBHOOK_SECRET: 'bench-outbound-webhook-secret',
    });
    let gateway: GatewayProcess | null = null;
    let sink: FeedSink | null = null;
    let rows: OutboxRows | null = null;
    try {
      gateway = await GatewayProcess.start(dataRoot, env, ctx.gatewayNodeArgs());
      const phones = phoneNumbers(args.numbers);
      ctx.log(`capacity: registering ${phones.length} numbers (responders, already logged in)`);
      await registerNumbers(gateway, phones);
      const devices = await waitForDevices(gateway, phones, isLoggedIn, 60_000, 'every number to run logged in');
      const token = await gateway.token();
      sink = await FeedSink.start(gateway.url, token, args.fanoutClients);
      rows = new OutboxRows(dataRoot);
      const rig: Rig = {
        ctx,
        gateway,
        hub,
        sink,
        rows,
        phones,
        token,
        watched: { gateway: gateway.pid, responders: hub.pid, clients: sink.pid, shims: devices.flatMap((d) => (d.pid ? [d.pid] : [])) },
      };

      // What the gateway spends with nothing to do (supervision, health checks, feeds' pings, samplers): per-message
      // figures at low rates carry a share of it.
      const idleFrom = { cpu: cpuMs(gateway.pid) ?? 0, at: Date.now() };
      await sleep(3000);
      const idlePercent = round((((cpuMs(gateway.pid) ?? 0) - idleFrom.cpu) / (Date.now() - idleFrom.at)) * 100, 1);
      ctx.log(`capacity: gateway CPU at rest with ${phones.length} numbers: ${idlePercent} %`);

      ctx.log('capacity: warm-up');
      await sendStep(rig, Math.min(200, Math.max(...args.capacityRates)), 2, null);
      await fanStep(rig, Math.min(500, Math.max(...args.capacityFanoutRates)), 1, 0, null);

      const sends: SendStep[] = [];
      for (const offered of [...args.capacityRates].sort((a, b) => a - b)) {
        const step = await sendStep(rig, offered, args.capacityDuration, `capacity-send-${offered}`);
        sends.push(step);
        ctx.log(
          `capacity: send ${offered}/s → ${step.acceptedPerSec.toFixed(0)} accepted/s, end to end ${step.endToEndPerSec.toFixed(0)}/s, drained ${step.drainMs} ms after the load ` +
            `(${step.keptUp ? 'kept up' : 'did not keep up'}); receipt webhooks failed ${step.hubErrors}, retried ${step.webhookRetries}; receipts published p50 ${step.publish.p50} ms p99 ${step.publish.p99} ms; CPU ms/message ${JSON.stringify(step.cpuMsPerMessage)}; machine ${JSON.stringify(step.machine)}`,
        );
        await sleep(1000);
        if (step.endToEndPerSec < 0.5 * offered) break;
      }
      const fans: FanStep[] = [];
      let stepNo = 1;
      for (const offered of [...args.capacityFanoutRates].sort((a, b) => a - b)) {
        const step = await fanStep(rig, offered, args.capacityDuration, stepNo++, `capacity-fanout-${offered}`);
        fans.push(step);
        ctx.log(
          `capacity: fan-out ${offered}/s → ${step.eventsPerSec.toFixed(0)} events/s, ${step.deliveriesPerSec.toFixed(0)} deliveries/s, p50 ${step.latency.p50} ms p99 ${step.latency.p99} ms, lost ${step.lost}, refused by the gateway ${step.injectErrors} ` +
            `(${step.keptUp ? 'kept up' : 'did not keep up'}); webhooks ${step.webhooksDeliveredPerSec.toFixed(0)}/s, backlog ${step.webhookBacklogAtEnd} (drained in ${step.webhookDrainMs} ms); CPU ms/event ${JSON.stringify(step.cpuMsPerEvent)}; machine ${JSON.stringify(step.machine)}`,
        );
        await sleep(1000);
        if (step.eventsPerSec < 0.5 * offered) break;
      }

      const sendBest = best(sends, (s) => s.endToEndPerSec);
      const sendTop = top(sends, (s) => s.endToEndPerSec);
      // CPU per message where the gateway keeps up (or, if it never does, the lightest step).
      const cpuStep = sendBest ?? sends[0] ?? null;
      const fanBest = best(fans, (s) => s.eventsPerSec);
      const fanTop = top(fans, (s) => s.eventsPerSec);
      const cpuFan = fanBest ?? fans[0] ?? null;
      const figures: Figure[] = [
        figure('messages_per_sec', 'messages/s end to end the gateway keeps up with', round(sendBest?.endToEndPerSec ?? 0, 0), 'msg/s', { op: '>=', value: 1000 }),
        figure('gateway_cpu_per_msg', `gateway CPU per message (at ${cpuStep?.offeredPerSec ?? '?'} msg/s)`, cpuStep?.cpuMsPerMessage['gateway'] ?? NaN, 'ms', { op: '<=', value: 1 }),
        figure('responders_cpu_per_msg', 'responders CPU per message (same step)', cpuStep?.cpuMsPerMessage['responders'] ?? NaN, 'ms'),
        figure('publish_p99', 'receipts published to the clients, p99 (same step)', cpuStep?.publish.p99 ?? NaN, 'ms'),
        figure('max_messages_per_sec', 'highest messages/s end to end (any drain)', round(sendTop?.endToEndPerSec ?? 0, 0), 'msg/s'),
        figure('max_accepted_per_sec', 'accepted/s at that step', round(sendTop?.acceptedPerSec ?? 0, 0), 'msg/s'),
        figure('idle_cpu', `gateway CPU at rest with ${phones.length} numbers`, idlePercent, '%'),
        figure('fan_events_per_sec', `gateway alone: events/s to ${args.fanoutClients} clients kept up with p99 ≤ ${FAN_P99_LIMIT_MS} ms`, round(fanBest?.eventsPerSec ?? 0, 0), 'events/s', { op: '>=', value: 5000 }),
        figure('fan_deliveries_per_sec', 'gateway alone: Socket.IO deliveries/s at that rate', round(fanBest?.deliveriesPerSec ?? 0, 0), 'msg/s'),
        figure('fan_p99', 'gateway alone: latency p99 at that rate', fanBest?.latency.p99 ?? NaN, 'ms'),
        figure('fan_cpu_per_event', `gateway alone: gateway CPU per event (at ${cpuFan?.offeredPerSec ?? '?'} events/s)`, cpuFan?.cpuMsPerEvent['gateway'] ?? NaN, 'ms'),
        figure('fan_max_events_per_sec', 'gateway alone: highest events/s (any latency)', round(fanTop?.eventsPerSec ?? 0, 0), 'events/s'),
        figure('fan_max_p99', 'gateway alone: latency p99 at the highest rate', fanTop?.latency.p99 ?? NaN, 'ms'),
        figure('fan_webhooks_per_sec', 'gateway alone: outbound webhooks delivered/s at the highest rate', round(fanTop?.webhooksDeliveredPerSec ?? 0, 0), 'msg/s'),
      ];
      return {
        scenario: 'capacity',
        title: this.title,
        ranAt: new Date().toISOString(),
        params: {
          numbers: phones.length,
          clients: args.fanoutClients,
          connections: args.sendConnections,
          stepSeconds: args.capacityDuration,
          sendRates: args.capacityRates,
          fanoutRates: args.capacityFanoutRates,
          drainLimitMs: DRAIN_LIMIT_MS,
          QUEUE_INTERVAL: 0,
          outboundWebhook: 'WEBHOOK_URL (global), one delivery per event',
        },
        figures,
        details: { send: sends.map(roundedSend), fanout: fans.map(roundedFan) },
      };
    } finally {
      await sink?.stop();
      rows?.close();
      await gateway?.stop();
      await hub.stop();
    }
  },
};

const roundedSend = (s: SendStep): Record<string, unknown> => ({ ...s, acceptedPerSec: round(s.acceptedPerSec, 0), endToEndPerSec: round(s.endToEndPerSec, 0) });
const roundedFan = (s: FanStep): Record<string, unknown> => ({
  ...s,
  eventsPerSec: round(s.eventsPerSec, 0),
  deliveriesPerSec: round(s.deliveriesPerSec, 0),
  webhooksDeliveredPerSec: round(s.webhooksDeliveredPerSec, 0),
});
