import http from 'node:http';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { benchEnv, GatewayProcess, makeDataRoot } from '../lib/gateway.js';
import { loggedInChildren, phoneNumbers, waitForDevices, isLoggedIn, childEndpoint, type ChildEndpoint } from '../lib/numbers.js';
import { cpuMs, sleep } from '../lib/processes.js';
import { distribution, round, type Distribution } from '../lib/stats.js';
import { chatJid, COMMON_WORD, fillStore, RARE_WORD, storeCostPerEvent, type FillResult } from '../lib/store-fill.js';
import { postMessageWebhook, replayTargets, type ReplayTarget } from '../lib/webhook-replay.js';
import { figure, type BenchContext, type Figure, type Scenario, type ScenarioResult } from './types.js';

const TICK_MS = 20;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One GET with the admin token, timed on the client (keep-alive: no connection set-up in the figure). */
function timedGet(url: string, token: string): Promise<{ status: number; ms: number; body: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
  });
}

async function measure(label: string, urls: readonly string[], token: string, log: (m: string) => void): Promise<Distribution> {
  const times: number[] = [];
  for (const url of urls) {
    const res = await timedGet(url, token);
    if (res.status !== 200) throw new Error(`${label}: ${res.status} ${res.body.slice(0, 300)}`);
    times.push(res.ms);
  }
  const d = distribution(times);
  log(`conversations: ${label}: p50 ${d.p50} ms, p99 ${d.p99} ms over ${times.length}`);
  return d;
}

/** One Socket.IO client in every number's room: `message.new` arrival times by WhatsApp id. */
async function roomClient(url: string, token: string, phones: readonly string[]): Promise<{ socket: Socket; arrivals: Map<string, number> }> {
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false });
  const arrivals = new Map<string, number>();
  socket.on('message.new', (data: { message: { waId: string | null } }) => {
    if (data.message.waId?.startsWith('BENCHLIVEM')) arrivals.set(data.message.waId, performance.now());
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  for (const phone of phones) {
    const ok = await new Promise<boolean>((resolve) => socket.emit('join', { room: `device-${phone}` }, (r: { ok: boolean }) => resolve(r.ok)));
    if (!ok) throw new Error(`join device-${phone} refused`);
  }
  return { socket, arrivals };
}

/**
 * 6. The conversation store at size: N numbers, M messages generated through the store's own write path (the
 * webhook parser and the store the journal runs), then, with the gateway running on that database and its N
 * children: inbound webhooks at a fixed rate → `message.new` on Socket.IO (stored and published), the store's
 * CPU per inbound event (journal alone vs journal + store, in this process), and the read API's latency.
 */
export const conversationsScenario: Scenario = {
  name: 'conversations',
  title: 'Conversation store (1 M messages: ingest, pages, search, inbox)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { args, log } = ctx;
    const dataRoot = makeDataRoot('conversations');
    const env = benchEnv(dataRoot, ctx.ports, { HISTORY_SYNC_DAYS: '0' });
    const phones = phoneNumbers(args.convNumbers);
    const dbFile = path.join(dataRoot, 'volumes', 'whatsapp.db');

    log(`conversations: registering and pairing ${phones.length} numbers`);
    const setup = await GatewayProcess.start(dataRoot, env, ctx.gatewayNodeArgs());
    try {
      await loggedInChildren(setup, phones);
    } finally {
      await setup.stop();
    }

    log(`conversations: storing ${args.convMessages} messages over ${args.convChats} chats per number`);
    const fill: FillResult = await fillStore(dbFile, { phones, messages: args.convMessages, chatsPerNumber: args.convChats, days: 30 }, log);
    const cost = await storeCostPerEvent(dbFile, phones, Math.max(2000, Math.min(20_000, args.convMessages / 10)));
    log(`conversations: CPU per inbound event: journal ${round(cost.journalMs, 3)} ms, with the store ${round(cost.withStoreMs, 3)} ms (store +${round(cost.storeMs, 3)} ms)`);

    const gateway = await GatewayProcess.start(dataRoot, env, ctx.gatewayNodeArgs());
    let socket: Socket | null = null;
    try {
      const children: ChildEndpoint[] = (await waitForDevices(gateway, phones, isLoggedIn, 180_000, 'every number restored and logged in')).map(childEndpoint);
      const token = await gateway.token();
      const client = await roomClient(gateway.url, token, phones);
      socket = client.socket;
      const targets = replayTargets(children);

      // Inbound at a fixed rate, round robin over the numbers.
      const sent = new Map<string, number>();
      const rate = args.convRate;
      const injectFor = async (seconds: number, tag: string): Promise<number> => {
        const ticks = Math.round((seconds * 1000) / TICK_MS);
        const perTick = (rate * TICK_MS) / 1000;
        let carry = 0;
        let next = 0;
        const inFlight: Promise<number>[] = [];
        const started = performance.now();
        for (let tick = 0; tick < ticks; tick++) {
          carry += perTick;
          const due = Math.floor(carry);
          carry -= due;
          for (let k = 0; k < due; k++, next++) {
            const target = targets[next % targets.length] as ReplayTarget;
            const id = `BENCHLIVE${tag}${next.toString(16).padStart(8, '0')}`.toUpperCase();
            sent.set(id, performance.now());
            inFlight.push(postMessageWebhook(target, `live ${COMMON_WORD} ${next}`, { id, chat: chatJid(next % targets.length, next % args.convChats) }));
          }
          const wait = started + (tick + 1) * TICK_MS - performance.now();
          if (wait > 0) await sleep(wait);
        }
        const statuses = await Promise.all(inFlight);
        return statuses.filter((s) => s !== 200).length;
      };
      await injectFor(Math.min(2, args.convDuration), 'W');
      sent.clear();
      client.arrivals.clear();
      const cpuBefore = cpuMs(gateway.pid) ?? 0;
      const window = performance.now();
      const failed = await ctx.measure(gateway, 'conversations-ingest', () => injectFor(args.convDuration, 'M'));
      const deadline = performance.now() + 30_000;
      while (client.arrivals.size < sent.size && performance.now() < deadline) await sleep(50);
      const gatewayCpuPerEvent = ((cpuMs(gateway.pid) ?? 0) - cpuBefore) / Math.max(1, sent.size);
      const ingest = distribution([...sent].flatMap(([id, at]) => (client.arrivals.has(id) ? [(client.arrivals.get(id) ?? at) - at] : [])));
      const lost = sent.size - client.arrivals.size;
      log(
        `conversations: ${sent.size} inbound at ${rate}/s in ${((performance.now() - window) / 1000).toFixed(1)} s: stored and published p50 ${ingest.p50} ms, p99 ${ingest.p99} ms, ` +
          `lost ${lost}, refused ${failed}, gateway CPU ${round(gatewayCpuPerEvent, 2)} ms per event`,
      );

      // The read side, one request at a time.
      const base = gateway.url;
      const n = args.convQueries;
      const pick = (i: number) => ({ phone: phones[i % phones.length] as string, chat: chatJid(i % phones.length, (i * 7) % args.convChats) });
      const reads = await ctx.measure(gateway, 'conversations-reads', async () => {
        const chatList = await measure('chat list', Array.from({ length: n }, (_, i) => `${base}/api/devices/${pick(i).phone}/chats?limit=50`), token, log);
        const firstPages = Array.from({ length: n }, (_, i) => `${base}/api/devices/${pick(i).phone}/chats/${encodeURIComponent(pick(i).chat)}/messages?limit=50`);
        const chatPage = await measure('chat messages, newest page', firstPages, token, log);
        const cursors = await Promise.all(
          firstPages.slice(0, Math.min(n, 50)).map(async (url) => {
            const res = await timedGet(url, token);
            const before = (JSON.parse(res.body) as { page: { before: string | null } }).page.before;
            return before ? `${url}&before=${before}` : url;
          }),
        );
        const olderPage = await measure('chat messages, older page', Array.from({ length: n }, (_, i) => cursors[i % cursors.length] as string), token, log);
        const common = await measure(`search "${COMMON_WORD}"`, Array.from({ length: n }, () => `${base}/api/search/messages?q=${COMMON_WORD}&limit=20`), token, log);
        const rare = await measure(`search "${RARE_WORD}"`, Array.from({ length: n }, () => `${base}/api/search/messages?q=${RARE_WORD}&limit=20`), token, log);
        const inbox = await measure('inbox page (50 numbers)', Array.from({ length: n }, () => `${base}/api/inbox?limit=50`), token, log);
        return { chatList, chatPage, olderPage, common, rare, inbox };
      });

      const growthPerMillion = ((fill.bytesAfter - fill.bytesBefore) / fill.messages) * 1_000_000;
      const mb = (bytes: number) => round(bytes / 1024 / 1024, 0);
      const pageP99 = Math.max(reads.chatList.p99, reads.chatPage.p99, reads.olderPage.p99);
      const searchP99 = Math.max(reads.common.p99, reads.rare.p99);
      const figures: Figure[] = [
        figure('stored_messages', 'messages in the store', fill.messages, 'messages'),
        figure('ingest_p50', `inbound → stored and published p50 at ${rate}/s`, ingest.p50, 'ms'),
        figure('ingest_p99', `inbound → stored and published p99 at ${rate}/s`, ingest.p99, 'ms'),
        figure('store_cpu_per_event', 'store CPU per inbound event (journal + store − journal)', round(cost.storeMs, 3), 'ms', { op: '<=', value: 0.2 }),
        figure('chat_list_p50', 'chat list p50', reads.chatList.p50, 'ms'),
        figure('chat_list_p99', 'chat list p99', reads.chatList.p99, 'ms', { op: '<=', value: 50 }),
        figure('chat_page_p50', 'chat messages page p50', reads.chatPage.p50, 'ms'),
        figure('chat_page_p99', 'chat messages page p99 (newest and older pages)', Math.max(reads.chatPage.p99, reads.olderPage.p99), 'ms', { op: '<=', value: 50 }),
        figure('search_common_p50', `search common word ("${COMMON_WORD}") p50`, reads.common.p50, 'ms'),
        figure('search_common_p99', `search common word ("${COMMON_WORD}") p99`, reads.common.p99, 'ms', { op: '<=', value: 50 }),
        figure('search_rare_p50', `search rare word ("${RARE_WORD}") p50`, reads.rare.p50, 'ms'),
        figure('search_rare_p99', `search rare word ("${RARE_WORD}") p99`, reads.rare.p99, 'ms', { op: '<=', value: 50 }),
        figure('inbox_p50', `inbox page p50 (${phones.length} numbers)`, reads.inbox.p50, 'ms'),
        figure('db_growth_per_million', 'database growth per million messages', mb(growthPerMillion), 'MB'),
      ];
      return {
        scenario: 'conversations',
        title: this.title,
        ranAt: new Date().toISOString(),
        params: { numbers: phones.length, messages: args.convMessages, chatsPerNumber: args.convChats, rate, seconds: args.convDuration, queries: n },
        figures,
        details: {
          fill: { ...fill, tablesMb: Object.fromEntries(Object.entries(fill.tables).map(([k, v]) => [k, mb(v)])) },
          storeCost: cost,
          ingest: { ...ingest, lost, refused: failed, gatewayCpuMsPerEvent: round(gatewayCpuPerEvent, 3) },
          reads,
          pageP99,
          searchP99,
        },
      };
    } finally {
      socket?.close();
      await gateway.stop();
    }
  },
};
