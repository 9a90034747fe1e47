/**
 * The gateway as its own process, killed with SIGKILL: messages arriving around the kill end up in the store
 * exactly once after the restart (what was stored stays, the rest comes back from the child's history), and a
 * backfill cut off in the middle carries on from its last page without counting anything twice.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from '@jest/globals';
import { makeDataRoot } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { childOfPid, pairChildOfPid } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';

const ENV = { HISTORY_SYNC_DAYS: '30', HISTORY_SYNC_DELAY: '300', HISTORY_SYNC_CONCURRENCY: '1' };

const running: GatewayProcess[] = [];
/** Children of a killed gateway live on until the next one replaces them; a failed test must not leave them. */
const childPids = new Set<number>();
afterAll(async () => {
  for (const gw of running) {
    if (gw.child.exitCode === null && gw.child.signalCode === null) {
      gw.child.kill('SIGTERM');
      await gw.exited;
    }
  }
  for (const pid of childPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

interface Progress {
  state: string;
  chatsDone: number;
  messagesAdded: number;
  finishedAt: string | null;
}

async function start(dataRoot: string): Promise<GatewayProcess> {
  const gw = await spawnGateway(dataRoot, ENV);
  running.push(gw);
  return gw;
}

async function kill(gw: GatewayProcess): Promise<void> {
  gw.child.kill('SIGKILL');
  await gw.exited;
}

async function childCall<T>(gw: GatewayProcess, phone: string, method: string, route: string, body?: unknown): Promise<T> {
  const device = await gw.request<{ pid: number }>('GET', `/api/devices/${phone}`);
  childPids.add(device.body.pid);
  const { base, headers } = childOfPid(device.body.pid);
  const res = await fetch(`${base}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return ((await res.json()) as { results: T }).results;
}

async function pairedNumber(gw: GatewayProcess, phone: string): Promise<void> {
  const created = await gw.request<{ pid: number }>('POST', '/api/devices', { phoneNumber: phone });
  childPids.add(created.body.pid);
  await pairChildOfPid(created.body.pid);
  await waitFor(async () => (await gw.request<{ loggedIn: boolean }>('GET', `/api/devices/${phone}`)).body.loggedIn, { what: `${phone} logged in` });
}

const progress = async (gw: GatewayProcess, phone: string) => (await gw.request<Progress>('GET', `/api/devices/${phone}/chats/sync`)).body;

function rows(dataRoot: string, phone: string): { total: number; distinct: number } {
  const db = new Database(path.join(dataRoot, 'volumes', 'whatsapp.db'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) AS total, count(DISTINCT wa_id) AS "distinct" FROM conversation_messages WHERE phone_number = ?').get(phone) as { total: number; distinct: number };
  } finally {
    db.close();
  }
}

describe('a gateway killed while messages arrive', () => {
  it('stores every message exactly once after the restart', async () => {
    const phone = '5511948000001';
    const dataRoot = makeDataRoot();
    const first = await start(dataRoot);
    await pairedNumber(first, phone);
    await waitFor(async () => (await progress(first, phone)).state === 'done', { what: 'the first sync done' });

    const burst = await childCall<{ ids: string[] }>(first, phone, 'POST', '/_sim/incoming', { body: 'burst', count: 300 });
    expect(burst.ids).toHaveLength(300);
    // Killed while the child's webhooks are still coming in: some stored, the rest not.
    await waitFor(() => rows(dataRoot, phone).total > 0, { intervalMs: 5, what: 'the first messages stored' });
    await kill(first);
    const before = rows(dataRoot, phone);
    expect(before.total).toBeGreaterThan(0);
    expect(before.total).toBeLessThan(300);

    const second = await start(dataRoot);
    await waitFor(
      async () => {
        const p = await progress(second, phone);
        return p.state === 'done' && rows(dataRoot, phone).total >= 300;
      },
      { timeoutMs: 40_000, what: 'the missed messages back from the child' },
    );
    expect(rows(dataRoot, phone)).toEqual({ total: 300, distinct: 300 });
    const stored = await second.request<{ data: { waId: string }[] }>('GET', `/api/devices/${phone}/chats/6289876543210@s.whatsapp.net/messages?limit=200`);
    expect(stored.body.data.every((m) => burst.ids.includes(m.waId))).toBe(true);
  });
});

describe('a gateway killed in the middle of a backfill', () => {
  it('carries on from the last page and counts nothing twice', async () => {
    const phone = '5511948000002';
    const dataRoot = makeDataRoot();
    const first = await start(dataRoot);
    await pairedNumber(first, phone);
    await waitFor(async () => (await progress(first, phone)).state === 'done', { what: 'the first (empty) sync done' });
    await childCall(first, phone, 'POST', '/_sim/seed-history', { chats: 60, messages_per_chat: 100, seed: 21 });
    expect((await first.request('POST', `/api/devices/${phone}/chats/sync`, {})).status).toBe(202);
    await waitFor(async () => (await progress(first, phone)).chatsDone >= 1, { intervalMs: 10, what: 'a few chats synced' });
    await kill(first);
    const cut = await waitFor(() => {
      const db = new Database(path.join(dataRoot, 'volumes', 'whatsapp.db'), { readonly: true });
      try {
        return db.prepare('SELECT state, chat_index AS chatIndex, messages_added AS added FROM conversation_syncs WHERE phone_number = ?').get(phone) as { state: string; chatIndex: number; added: number };
      } finally {
        db.close();
      }
    });
    expect(cut.state).toBe('running');
    expect(cut.added).toBeLessThan(6000);
    expect(cut.added).toBe(rows(dataRoot, phone).total);

    const second = await start(dataRoot);
    const done = await waitFor(async () => {
      const p = await progress(second, phone);
      return p.state === 'done' ? p : null;
    }, { timeoutMs: 60_000, what: 'the sync resumed and done' });
    expect(done.messagesAdded).toBe(6000);
    expect(rows(dataRoot, phone)).toEqual({ total: 6000, distinct: 6000 });
  });
});
