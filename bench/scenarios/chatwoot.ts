import { FakeChatwootProcess } from '../lib/fake-chatwoot.js';
import { benchEnv, GatewayProcess, makeDataRoot } from '../lib/gateway.js';
import { childRequest, loggedInChildren, mapLimit, phoneNumbers, type ChildEndpoint } from '../lib/numbers.js';
import { cpuMs, machineLoadMeter, sleep, waitUntil } from '../lib/processes.js';
import { distribution, round, type Distribution } from '../lib/stats.js';
import { figure, type BenchContext, type Scenario, type ScenarioResult } from './types.js';

const TOKEN = 'bench-admin-token';
/** Customers writing to each number (so no conversation nears Chatwoot's 200-per-minute flood limit). */
const CUSTOMERS = 10;

interface FakeMessage {
  readonly id: number;
  readonly content: string | null;
  readonly conversation_id: number;
  readonly created_at: string;
  readonly source_id: string | null;
}

/** Fire `count` calls at `rate` per second (each on time, not waiting for the previous one), at most `inFlight` at once. */
async function paced(count: number, rate: number, inFlight: number, call: (i: number) => Promise<void>): Promise<{ lateMs: number; failed: number }> {
  const start = performance.now();
  const running = new Set<Promise<void>>();
  let late = 0;
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    else late = Math.max(late, -wait);
    while (running.size >= inFlight) await Promise.race(running);
    const task = call(i)
      .catch(() => void failed++)
      .finally(() => running.delete(task));
    running.add(task);
  }
  await Promise.all(running);
  return { lateMs: round(late, 0), failed };
}

function perMessage(cpu: Record<string, number>, count: number): Record<string, number> {
  return Object.fromEntries(Object.entries(cpu).map(([who, ms]) => [who, round(ms / count, 2)]));
}

async function fakeMessages(fake: FakeChatwootProcess): Promise<FakeMessage[]> {
  return (await fake.control<{ messages: FakeMessage[] }>('GET', '/_fake/messages?account_id=1')).messages;
}

/** What each child sent to WhatsApp: text → when (its `/_sim/sent` `at`). */
async function childSends(children: readonly ChildEndpoint[]): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  await mapLimit(children, 8, async (child) => {
    const res = await childRequest<{ results: { sent: { message?: string; at: string }[] } }>(child, 'GET', '/_sim/sent');
    for (const s of res.body.results.sent) if (s.message) sent.set(s.message, Date.parse(s.at));
  });
  return sent;
}

/**
 * 6. Chatwoot bridge: N numbers, each bound to its own API inbox of the fake Chatwoot (a separate process).
 * WhatsApp → Chatwoot: messages offered at `--chatwoot-rate` per second into the children (`/_sim/incoming`);
 * latency = the fake's `created_at` of the Chatwoot message − the bench's clock just before the child was told.
 * Chatwoot → WhatsApp: agents' replies at `--chatwoot-reply-rate` per second (the fake's control API, which
 * fires the signed webhook); latency = the child's `/_sim/sent` time − the bench's clock before the agent posted.
 * Gateway CPU per bridged message = the gateway's CPU time over the phase (until everything arrived) ÷ messages.
 */
export const chatwootScenario: Scenario = {
  name: 'chatwoot',
  title: 'Chatwoot bridge (WhatsApp ↔ Chatwoot, both ways)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { args } = ctx;
    const numbers = args.chatwootNumbers;
    const seed = {
      accounts: [{ id: 1, name: 'Bench' }],
      users: [{ id: 1, name: 'Bench Admin', email: 'bench@bench.test', access_token: TOKEN, accounts: [{ account_id: 1, role: 'administrator' }] }],
      agent_bots: [],
      inboxes: Array.from({ length: numbers }, (_, i) => ({ id: i + 1, account_id: 1, name: `WhatsApp ${i + 1}`, channel_type: 'api' })),
      custom_attribute_definitions: [],
      webhooks: [],
    };
    const fake = await FakeChatwootProcess.start(seed);
    const dataRoot = makeDataRoot('chatwoot');
    const env = benchEnv(dataRoot, ctx.ports, { QUEUE_INTERVAL: '0', HISTORY_SYNC_DAYS: '0', CHATWOOT_BASE_URL: fake.apiUrl, CHATWOOT_API_ACCESS_TOKEN: TOKEN });
    const gateway = await GatewayProcess.start(dataRoot, env, ctx.gatewayNodeArgs());
    try {
      const phones = phoneNumbers(numbers);
      ctx.log(`chatwoot: registering, pairing and binding ${phones.length} numbers`);
      const children = await loggedInChildren(gateway, phones);
      await mapLimit(phones, 4, async (phone, i) => {
        const res = await gateway.request('PUT', `/api/devices/${phone}/chatwoot`, { inboxId: i + 1 });
        if (res.status !== 200) throw new Error(`binding ${phone}: ${res.status} ${JSON.stringify(res.body)}`);
      });
      const byPhone = new Map(children.map((c) => [c.phoneNumber, c]));
      const customer = (i: number) => `62813${String(i % CUSTOMERS).padStart(8, '0')}`;

      // Warm-up: every conversation exists before anything is measured (contacts and conversations are made once).
      const warm = phones.flatMap((phone) => Array.from({ length: CUSTOMERS }, (_, c) => ({ phone, from: customer(c), text: `warm ${phone} ${c}` })));
      await mapLimit(warm, 8, async (w) => void (await childRequest(byPhone.get(w.phone) as ChildEndpoint, 'POST', '/_sim/incoming', { from: w.from, body: w.text })));
      await waitUntil(async () => (await fakeMessages(fake)).filter((m) => m.content?.startsWith('warm ')).length === warm.length || undefined, 180_000, 'the warm-up in Chatwoot', 250);

      const cpuOf = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
      const childPids = children.map((c) => c.pid);
      /** CPU (ms) of the gateway, the fake Chatwoot and the stand-ins over a phase. */
      const cpuMeter = () => {
        const start = { gateway: cpuOf([gateway.pid]), chatwoot: cpuOf([fake.pid]), children: cpuOf(childPids) };
        return () => ({ gateway: cpuOf([gateway.pid]) - start.gateway, chatwoot: cpuOf([fake.pid]) - start.chatwoot, children: cpuOf(childPids) - start.children });
      };

      // WhatsApp → Chatwoot.
      const inCount = args.chatwootRate * args.duration;
      const sentAt = new Map<string, number>();
      const inbound = await ctx.measure(gateway, 'chatwoot-to-chatwoot', async () => {
        const cpu = cpuMeter();
        const meter = machineLoadMeter();
        const t0 = Date.now();
        const pace = await paced(inCount, args.chatwootRate, 64, async (i) => {
          const phone = phones[i % phones.length] as string;
          const text = `in-${i}`;
          sentAt.set(text, Date.now());
          const res = await childRequest(byPhone.get(phone) as ChildEndpoint, 'POST', '/_sim/incoming', { from: customer(Math.floor(i / phones.length)), body: text });
          if (res.status !== 200) throw new Error(`incoming: ${res.status}`);
        });
        const all = await waitUntil(async () => {
          const found = (await fakeMessages(fake)).filter((m) => m.content?.startsWith('in-'));
          return found.length >= inCount ? found : undefined;
        }, 300_000, 'every message in Chatwoot', 250);
        const elapsed = (Date.now() - t0) / 1000;
        return { all, pace, cpu: cpu(), elapsed, machine: meter() };
      });
      const toChatwoot: Distribution = distribution(inbound.all.map((m) => Date.parse(m.created_at) - (sentAt.get(m.content ?? '') ?? NaN)).filter(Number.isFinite));
      const duplicates = inbound.all.length - new Set(inbound.all.map((m) => m.content)).size;
      ctx.log(`chatwoot: to Chatwoot p50 ${toChatwoot.p50} ms, p99 ${toChatwoot.p99} ms over ${toChatwoot.count}; cpu per msg ${JSON.stringify(perMessage(inbound.cpu, inCount))}; duplicates ${duplicates}; machine ${JSON.stringify(inbound.machine)}`);

      // Chatwoot → WhatsApp: agents answer in the conversations made above.
      const conversations = [...new Set((await fakeMessages(fake)).filter((m) => m.content?.startsWith('warm ')).map((m) => m.conversation_id))];
      const outCount = args.chatwootReplyRate * args.duration;
      const postedAt = new Map<string, number>();
      const outbound = await ctx.measure(gateway, 'chatwoot-to-whatsapp', async () => {
        const cpu = cpuMeter();
        const meter = machineLoadMeter();
        const t0 = Date.now();
        const pace = await paced(outCount, args.chatwootReplyRate, 32, async (i) => {
          const text = `out-${i}`;
          postedAt.set(text, Date.now());
          await fake.control('POST', `/_fake/accounts/1/conversations/${conversations[i % conversations.length]}/messages`, { content: text });
        });
        const sends = await waitUntil(async () => {
          const sent = await childSends(children);
          return [...postedAt.keys()].every((t) => sent.has(t)) ? sent : undefined;
        }, 300_000, 'every reply sent by the children', 250);
        const elapsed = (Date.now() - t0) / 1000;
        return { sends, pace, cpu: cpu(), elapsed, machine: meter() };
      });
      const toWhatsapp = distribution([...postedAt].map(([text, at]) => (outbound.sends.get(text) ?? NaN) - at).filter(Number.isFinite));
      ctx.log(`chatwoot: to WhatsApp p50 ${toWhatsapp.p50} ms, p99 ${toWhatsapp.p99} ms over ${toWhatsapp.count}; cpu per reply ${JSON.stringify(perMessage(outbound.cpu, outCount))}; machine ${JSON.stringify(outbound.machine)}`);

      return {
        scenario: 'chatwoot',
        title: this.title,
        ranAt: new Date().toISOString(),
        params: { numbers, customersPerNumber: CUSTOMERS, inboundRate: args.chatwootRate, replyRate: args.chatwootReplyRate, durationSec: args.duration, QUEUE_INTERVAL: 0 },
        figures: [
          figure('to_chatwoot_p50', `WhatsApp → Chatwoot p50 at ${args.chatwootRate} msg/s`, round(toChatwoot.p50, 1), 'ms'),
          figure('to_chatwoot_p99', `WhatsApp → Chatwoot p99 at ${args.chatwootRate} msg/s`, round(toChatwoot.p99, 1), 'ms'),
          figure('to_chatwoot_per_sec', 'WhatsApp → Chatwoot, all arrived: messages/s', round(inCount / inbound.elapsed, 1), 'msg/s'),
          figure('to_chatwoot_cpu', 'gateway CPU per message to Chatwoot', round(inbound.cpu.gateway / inCount, 2), 'ms'),
          figure('to_chatwoot_duplicates', 'duplicates in Chatwoot', duplicates, 'messages', { op: '<=', value: 0 }),
          figure('to_whatsapp_p50', `Chatwoot → child p50 at ${args.chatwootReplyRate} replies/s`, round(toWhatsapp.p50, 1), 'ms'),
          figure('to_whatsapp_p99', `Chatwoot → child p99 at ${args.chatwootReplyRate} replies/s`, round(toWhatsapp.p99, 1), 'ms'),
          figure('to_whatsapp_per_sec', 'Chatwoot → child, all sent: replies/s', round(outCount / outbound.elapsed, 1), 'msg/s'),
          figure('to_whatsapp_cpu', 'gateway CPU per reply to WhatsApp', round(outbound.cpu.gateway / outCount, 2), 'ms'),
        ],
        details: {
          toChatwoot: { latency: toChatwoot, cpuMsPerMessage: perMessage(inbound.cpu, inCount), messages: inCount, secondsUntilAllArrived: round(inbound.elapsed, 1), offeredLateMs: inbound.pace.lateMs, failedOffers: inbound.pace.failed, machine: inbound.machine },
          toWhatsapp: { latency: toWhatsapp, cpuMsPerMessage: perMessage(outbound.cpu, outCount), replies: outCount, secondsUntilAllSent: round(outbound.elapsed, 1), offeredLateMs: outbound.pace.lateMs, failedOffers: outbound.pace.failed, machine: outbound.machine },
        },
      };
    } finally {
      await gateway.stop();
      await fake.stop();
    }
  },
};
