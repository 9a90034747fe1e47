/** The Chatwoot bridge's stores on either dialect, and a second "gateway" on the same database for the race tests. */
import { afterEach } from '@jest/globals';
import pg from 'pg';
import type { ChatwootBindingStore, NewBinding } from '../../src/db/ports/chatwoot-bindings.js';
import type { ChatwootJobStore, NewJob } from '../../src/db/ports/chatwoot-jobs.js';
import type { ChatwootStateStore } from '../../src/db/ports/chatwoot-state.js';
import { pgDatabase } from '../../src/db/pg/client.js';
import { PgChatwootBindingRepository } from '../../src/db/pg/repositories/chatwoot-bindings.js';
import { PgChatwootJobRepository } from '../../src/db/pg/repositories/chatwoot-jobs.js';
import { PgChatwootStateRepository } from '../../src/db/pg/repositories/chatwoot-state.js';
import { ChatwootBindingRepository } from '../../src/db/repositories/chatwoot-bindings.js';
import { ChatwootJobRepository } from '../../src/db/repositories/chatwoot-jobs.js';
import { ChatwootStateRepository } from '../../src/db/repositories/chatwoot-state.js';
import { BINDING_DEFAULTS } from '../../src/domain/chatwoot.js';
import type { TestDatabase } from './dialects.js';

export const jobStore = (d: TestDatabase): ChatwootJobStore => (d.dialect === 'sqlite' ? new ChatwootJobRepository(d.db) : new PgChatwootJobRepository(d.db));
export const bindingStore = (d: TestDatabase): ChatwootBindingStore => (d.dialect === 'sqlite' ? new ChatwootBindingRepository(d.db) : new PgChatwootBindingRepository(d.db));
export const stateStore = (d: TestDatabase): ChatwootStateStore => (d.dialect === 'sqlite' ? new ChatwootStateRepository(d.db) : new PgChatwootStateRepository(d.db));

const pools: pg.Pool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.end();
});

/**
 * The stores as another gateway sees them: on Postgres over a pool of its own (its own connections, as a second
 * process would have); on SQLite the one connection (a single host has one gateway).
 */
export function otherGateway(d: TestDatabase): { jobs: ChatwootJobStore; bindings: ChatwootBindingStore } {
  if (d.dialect === 'sqlite') return { jobs: jobStore(d), bindings: bindingStore(d) };
  const pool = new pg.Pool({ connectionString: d.db.$client.options.connectionString, max: 4 });
  pools.push(pool);
  const db = pgDatabase(pool);
  return { jobs: new PgChatwootJobRepository(db), bindings: new PgChatwootBindingRepository(db) };
}

export const A = '5511900000001';
export const B = '5511900000002';

export const step = (over: Partial<NewJob> & Pick<NewJob, 'ref'>): NewJob => ({
  phoneNumber: A,
  direction: 'to_chatwoot',
  lane: 'chat:1@s.whatsapp.net',
  kind: 'message',
  payload: {},
  nextAttemptAt: 0,
  giveUpAt: 0,
  ...over,
});

export const binding = (phoneNumber: string, over: Partial<NewBinding> = {}): NewBinding => ({
  phoneNumber,
  hookId: `hook-${phoneNumber}`,
  baseUrl: 'https://chatwoot.example.com',
  accountId: 1,
  inboxId: Number(phoneNumber.slice(-3)),
  inboxName: 'Support',
  apiToken: 'sealed-token',
  webhookSecret: null,
  webhookUrl: `https://gw.example.com/webhooks/chatwoot/hook-${phoneNumber}`,
  options: BINDING_DEFAULTS,
  ownerId: null,
  outwardOnly: false,
  ...over,
});

/** A message of the conversation store (what a history import reads), by its key. */
export async function storedMessage(d: TestDatabase, key: number, chatKey: string, outboxId: string | null = null, phoneNumber = A): Promise<void> {
  await d.fixture('INSERT INTO conversation_messages (key, outbox_id, phone_number, chat_key, direction, type, status, at, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    key,
    outboxId,
    phoneNumber,
    chatKey,
    'in',
    'text',
    'received',
    key,
    'live',
    1,
    1,
  ]);
}
