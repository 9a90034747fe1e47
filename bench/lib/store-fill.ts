/**
 * Fills a (stopped) gateway's database through the conversation store's own write path: the same payload parser
 * and store the journal subscriber runs for every incoming webhook, loaded from the built gateway (dist/), in
 * batches of one transaction each. Also measures, in this process, what storing adds per inbound event: the
 * journal alone against the journal with the store subscriber, alternating blocks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './gateway.js';

/** The parts of the built gateway used here (dist/…; typed by hand, the bench compiles on its own). */
interface DatabaseHandle {
  readonly db: unknown;
  readonly sqlite: { transaction<T>(work: () => T): () => T; prepare(sql: string): { get(...args: unknown[]): unknown; all(...args: unknown[]): unknown[] }; pragma(sql: string): unknown };
  close(): void;
}
interface Store {
  ingest(phoneNumber: string, input: unknown, learnt?: readonly unknown[]): unknown[];
}
interface Journal {
  record(phoneNumber: string, port: number | null, draft: unknown): unknown;
  addDurableSubscriber(subscriber: unknown): void;
}

async function load<T>(relative: string): Promise<T> {
  return (await import(pathToFileURL(path.join(ROOT, 'dist', relative)).href)) as T;
}

export const COMMON_WORD = 'hello';
export const RARE_WORD = 'zanzibar';
const WORDS = ['order', 'invoice', 'delivery', 'thanks', 'price', 'meeting', 'photo', 'tomorrow', 'payment', 'address', 'refund', 'status', 'today', 'please', 'when'];

/** mulberry32: reproducible spread of chats, words and times. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FillPlan {
  readonly phones: readonly string[];
  readonly messages: number;
  readonly chatsPerNumber: number;
  /** Messages spread over the days before now. */
  readonly days: number;
}

export interface FillResult {
  readonly messages: number;
  readonly seconds: number;
  /** Database size (file + WAL) before and after, bytes. */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** Size of each store table and index after the fill, bytes (SQLite's dbstat), when available. */
  readonly tables: Record<string, number>;
  readonly perMessageCpuMs: number;
}

/** The chat JID of chat `c` of number index `n`: every tenth is a group. */
export function chatJid(n: number, c: number): string {
  return c % 10 === 0 ? `120363${String(n).padStart(4, '0')}${String(c).padStart(6, '0')}@g.us` : `62${String(n).padStart(4, '0')}${String(c).padStart(6, '0')}@s.whatsapp.net`;
}

/** A message webhook payload as a child sends it (docs/binary-contract.md §10). */
export function messagePayload(n: number, c: number, i: number, at: number, random: () => number): Record<string, unknown> {
  const chat = chatJid(n, c);
  const group = chat.endsWith('@g.us');
  const from = group ? `62${String(n).padStart(4, '0')}${String(Math.floor(random() * 1000)).padStart(6, '0')}@s.whatsapp.net` : chat;
  const words = Array.from({ length: 4 + Math.floor(random() * 8) }, () => WORDS[Math.floor(random() * WORDS.length)]);
  if (random() < 0.25) words.splice(Math.floor(random() * words.length), 0, COMMON_WORD);
  if (i % 10_000 === 7) words.push(RARE_WORD);
  const payload: Record<string, unknown> = {
    id: `3EB0${n.toString(16).padStart(3, '0')}${i.toString(16).padStart(9, '0')}`.toUpperCase(),
    chat_id: chat,
    from,
    from_name: `Contact ${c}`,
    sender_display_name: `Contact ${c}`,
    timestamp: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    is_from_me: random() < 0.3,
    body: words.join(' '),
  };
  if (random() < 0.1) payload['image'] = { path: `statics/media/${Math.floor(at / 1000)}-bench.jpeg`, caption: payload['body'] };
  return payload;
}

function bytesOf(file: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) total += fs.existsSync(file + suffix) ? fs.statSync(file + suffix).size : 0;
  return total;
}

/** `plan.messages` messages over `plan.phones`, written through ConversationStore.ingest in batches. */
export async function fillStore(dbFile: string, plan: FillPlan, log: (line: string) => void): Promise<FillResult> {
  const { openDatabase } = await load<{ openDatabase(file: string, migrations: string): DatabaseHandle }>('db/client.js');
  const database = openDatabase(dbFile, path.join(ROOT, 'drizzle'));
  const store = await makeStore(database);
  const { MessageSearchRepository } = await load<{ MessageSearchRepository: new (db: unknown) => { indexPendingNow(): number } }>('db/repositories/message-search.js');
  const messages = new MessageSearchRepository(database.db);
  // As the gateway does every half second: the batch's rows into the search index.
  const indexPending = (): number => messages.indexPendingNow();
  const { parseMessageWebhook } = await load<{ parseMessageWebhook(event: string, payload: Record<string, unknown>, at: number): { kind: string; input?: unknown; learnt?: unknown[] } }>(
    'conversations/parse-webhook.js',
  );
  database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const bytesBefore = bytesOf(dbFile);
  const random = prng(42);
  const now = Date.now();
  const span = plan.days * 86_400_000;
  const batch = 2000;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let written = 0;
  while (written < plan.messages) {
    const count = Math.min(batch, plan.messages - written);
    database.sqlite.transaction(() => {
      for (let k = 0; k < count; k++) {
        const i = written + k;
        const n = i % plan.phones.length;
        const c = Math.floor(random() * plan.chatsPerNumber);
        // Oldest first, as history accumulates.
        const at = now - span + Math.floor((i / plan.messages) * span);
        const effect = parseMessageWebhook('message', messagePayload(n, c, i, at, random), at);
        if (effect.kind === 'message') store.ingest(plan.phones[n] ?? '', effect.input, effect.learnt ?? []);
      }
    })();
    indexPending();
    written += count;
    if (written % 100_000 === 0 || written === plan.messages) log(`conversations: ${written} of ${plan.messages} messages stored (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const tables = tableSizes(database);
  database.close();
  return { messages: plan.messages, seconds, bytesBefore, bytesAfter: bytesOf(dbFile), tables, perMessageCpuMs: (cpu.user + cpu.system) / 1000 / plan.messages };
}

function tableSizes(database: DatabaseHandle): Record<string, number> {
  try {
    const rows = database.sqlite
      .prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name LIKE 'conversation%' GROUP BY name ORDER BY bytes DESC")
      .all() as { name: string; bytes: number }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.bytes]));
  } catch {
    return {};
  }
}

async function makeStore(database: DatabaseHandle): Promise<Store> {
  const [{ StoredMessageRepository }, { ConversationRepository }, { AnnotationRepository }, { AliasRepository }, { ConversationStore }] = await Promise.all([
    load<{ StoredMessageRepository: new (db: unknown) => unknown }>('db/repositories/stored-messages.js'),
    load<{ ConversationRepository: new (db: unknown) => unknown }>('db/repositories/conversations.js'),
    load<{ AnnotationRepository: new (db: unknown) => unknown }>('db/repositories/annotations.js'),
    load<{ AliasRepository: new (db: unknown) => unknown }>('db/repositories/aliases.js'),
    load<{ ConversationStore: new (repos: unknown, now: () => number) => Store }>('conversations/store.js'),
  ]);
  const db = database.db;
  const repos = {
    messages: new StoredMessageRepository(db),
    conversations: new ConversationRepository(db),
    annotations: new AnnotationRepository(db),
    aliases: new AliasRepository(db),
  };
  return new ConversationStore(repos, () => Date.now());
}

/**
 * CPU per inbound event of the journal alone and of the journal with the conversation store's subscriber, each
 * event in its own transaction as in the gateway; alternating blocks of `block` events.
 */
export async function storeCostPerEvent(dbFile: string, phones: readonly string[], events: number, block = 1000): Promise<{ journalMs: number; withStoreMs: number; storeMs: number }> {
  const { openDatabase } = await load<{ openDatabase(file: string, migrations: string): DatabaseHandle }>('db/client.js');
  const [{ EventRepository }, { EventJournal }, { TurnWriter }, { ConversationIngest }, { fromWebhook }, { systemClock }, { createLogger }] = await Promise.all([
    load<{ EventRepository: new (db: unknown) => unknown }>('db/repositories/events.js'),
    load<{ EventJournal: new (repo: unknown, writer: unknown, clock: unknown, logger: unknown) => Journal }>('events/journal.js'),
    load<{ TurnWriter: new (sqlite: unknown, onAfterError: (err: unknown) => void) => unknown }>('db/turn-writer.js'),
    load<{ ConversationIngest: new (deps: unknown) => unknown }>('conversations/ingest.js'),
    load<{ fromWebhook(body: Record<string, unknown>): unknown }>('events/normalize.js'),
    load<{ systemClock: unknown }>('lib/clock.js'),
    load<{ createLogger(level: string): unknown }>('lib/logger.js'),
  ]);
  const database = openDatabase(dbFile, path.join(ROOT, 'drizzle'));
  // `record` outside a turn's transaction: each event in a transaction of its own (the gateway's busy turns share one).
  const writer = new TurnWriter(database.sqlite, (err) => {
    throw err;
  });
  const logger = createLogger('silent');
  // One journal (it keeps each number's last seq in memory), the store's subscriber switched on for every other block.
  const journal = new EventJournal(new EventRepository(database.db), writer, systemClock, logger);
  const store = await makeStore(database);
  const [{ StoredMessageRepository }, { AnnotationRepository }, { MessageSearchRepository }] = await Promise.all([
    load<{ StoredMessageRepository: new (db: unknown) => unknown }>('db/repositories/stored-messages.js'),
    load<{ AnnotationRepository: new (db: unknown) => unknown }>('db/repositories/annotations.js'),
    load<{ MessageSearchRepository: new (db: unknown) => { indexPendingNow(): number } }>('db/repositories/message-search.js'),
  ]);
  const stored = new MessageSearchRepository(database.db);
  const ingest = new ConversationIngest({ store, messages: new StoredMessageRepository(database.db), annotations: new AnnotationRepository(database.db) }) as {
    onRecord(event: unknown, context: unknown): unknown;
  };
  let storing = false;
  journal.addDurableSubscriber({ onRecord: (event: unknown, context: unknown) => (storing ? ingest.onRecord(event, context) : undefined) });
  const random = prng(7);
  // Ids no earlier run used (a repeat would take the cheaper "already stored" path).
  const offset = 0x10_0000_0000 + Math.floor(Math.random() * 0x7_0000_0000);
  const cpu = { plain: 0, store: 0 };
  let i = 0;
  const run = (key: 'plain' | 'store'): void => {
    storing = key === 'store';
    const before = process.cpuUsage();
    for (let k = 0; k < block; k++, i++) {
      const n = i % phones.length;
      const payload = messagePayload(n, Math.floor(random() * 50), offset + i, Date.now(), random);
      journal.record(phones[n] ?? '', null, fromWebhook({ event: 'message', device_id: `${phones[n]}@s.whatsapp.net`, payload }));
      // The gateway indexes for search every 500 ms: at 500 events/s, batches of 250.
      if (key === 'store' && k % 250 === 249) stored.indexPendingNow();
    }
    const used = process.cpuUsage(before);
    cpu[key] += (used.user + used.system) / 1000;
  };
  for (let done = 0; done < events; done += 2 * block) {
    run('plain');
    run('store');
  }
  database.close();
  const perBlock = Math.max(1, Math.ceil(events / (2 * block))) * block;
  return { journalMs: cpu.plain / perBlock, withStoreMs: cpu.store / perBlock, storeMs: (cpu.store - cpu.plain) / perBlock };
}
