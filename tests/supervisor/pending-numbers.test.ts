/**
 * Numbers created before their phone is known (docs/pending-numbers.md): a pending id, its own folder and child,
 * a QR code to scan; the phone that pairs becomes its key (every row and the folder move in one step, the events
 * go on with the next seq); a phone already registered is refused with nothing moved; boot restore runs a number
 * still waiting for its phone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HISTORICAL_TABLES, NUMBER_TABLES, tablesWithNumberColumn } from '../../src/db/repositories/number-keys.js';
import { auditRows, auditSettled, createKey, createUser, grant, lastAuditId } from '../helpers/access.js';
import { type ApiDevice, makeDataRoot, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient } from '../realtime/socket-helpers.js';

const TAKEN = '5511940000001';
const FRESH = '5511940000002';
const OTHER = '5511940000003';
const SHARED = '5511940000004';
const WATCHED = '5511940000005';

let gw: TestGateway;
const dataRoot = makeDataRoot();

beforeAll(async () => {
  gw = await startTestGateway({ dataRoot, env: { HISTORY_SYNC_DAYS: '0' } });
});
afterAll(async () => {
  await gw?.close();
});

async function createPending(name = 'Support desk', token?: string): Promise<ApiDevice> {
  const res = await gw.request<ApiDevice>('POST', '/api/devices', { body: { pending: true, name }, ...(token ? { token } : {}) });
  expect(res.status).toBe(201);
  return res.body;
}

async function device(key: string): Promise<ApiDevice> {
  return (await gw.request<ApiDevice>('GET', `/api/devices/${key}`)).body;
}

/** The phone scans the number's QR code: the stand-in pairs the slot as `phone`. */
async function scan(key: string, phone: string): Promise<void> {
  const qr = await gw.request<{ qrCode: string }>('GET', `/api/devices/${key}/qr`);
  expect(qr.status).toBe(200);
  const client = gw.gateway.supervisor.runner(key)?.client;
  if (!client) throw new Error(`${key} has no child`);
  await client.request('POST', '/_sim/pair', { body: { jid: phone } });
}

/** The number's child, restarted under the phone, says itself that it is connected and logged in. */
async function childLoggedIn(phone: string): Promise<void> {
  await waitFor(
    async () => {
      const client = gw.gateway.supervisor.runner(phone)?.client;
      const status = await client?.request<{ is_connected?: boolean; is_logged_in?: boolean }>('GET', '/app/status').catch(() => null);
      return status?.results?.is_connected === true && status.results.is_logged_in === true;
    },
    { what: `the child of ${phone} connected and logged in` },
  );
}

const folder = (key: string) => path.join(dataRoot, 'sessions', key);
const rows = (table: string, key: string) => (gw.gateway.database.sqlite.prepare(`SELECT count(*) AS n FROM ${table} WHERE phone_number = ?`).get(key) as { n: number }).n;

describe('a number created without a phone', () => {
  let pendingId = '';

  it('gets a pending id that cannot be a phone, its own folder and a running child that shows a QR code', async () => {
    const created = await createPending();
    pendingId = created.phoneNumber;
    expect(created).toMatchObject({ pending: true, pendingId, state: 'running', loggedIn: false });
    expect(pendingId).toMatch(/^pending-[a-z0-9]{12}$/);
    expect(fs.existsSync(folder(pendingId))).toBe(true);
    expect((await gw.request<{ qrCode: string }>('GET', `/api/devices/${pendingId}/qr`)).body.qrCode).toMatch(/^data:image\/png;base64,/);
    expect((await gw.request<{ devices: ApiDevice[] }>('GET', '/api/devices')).body.devices.map((d) => d.phoneNumber)).toContain(pendingId);
  });

  it('takes the phone that pairs: rows, folder and event sequence move to it, and it runs logged in', async () => {
    const eventsBefore = rows('events', pendingId);
    expect(eventsBefore).toBeGreaterThan(0);
    await scan(pendingId, FRESH);
    const bound = await waitFor(async () => {
      const d = await gw.request<ApiDevice>('GET', `/api/devices/${FRESH}`);
      return d.status === 200 && d.body.loggedIn && d.body.state === 'running' ? d.body : null;
    }, { what: 'the number under its phone, logged in again' });
    expect(bound).toMatchObject({ phoneNumber: FRESH, pending: false, pendingId, state: 'running', sessionState: 'logged_in' });
    expect(fs.existsSync(folder(FRESH))).toBe(true);
    expect(fs.existsSync(folder(pendingId))).toBe(false);
    for (const table of NUMBER_TABLES) expect({ table, left: rows(table, pendingId) }).toEqual({ table, left: 0 });
    // One continuous journal: the pending id's events, then device.bound, numbered on.
    const events = (await gw.request<{ events: { seq: number; event: string; type: string }[] }>('GET', `/api/devices/${FRESH}/events?since=0&limit=500`)).body.events;
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[0]).toBe(1);
    expect(new Set(seqs).size).toBe(seqs.length);
    const boundAt = events.findIndex((e) => e.event === 'device.bound');
    expect(boundAt).toBeGreaterThanOrEqual(eventsBefore);
    // The old id still answers, naming the phone.
    expect(await device(pendingId)).toMatchObject({ phoneNumber: FRESH, pendingId });
    // It works as any number: a message WhatsApp delivers is stored under the phone.
    await childLoggedIn(FRESH);
    const client = gw.gateway.supervisor.runner(FRESH)?.client;
    await client?.request('POST', '/_sim/incoming', { body: { body: 'hello after binding' } });
    await waitFor(async () => (await gw.request<{ data: unknown[] }>('GET', `/api/devices/${FRESH}/chats`)).body.data.length > 0, { what: 'a chat under the phone' });
  });

  it('is refused when the phone is already registered: nothing moves, the pairing is undone, another phone can pair', async () => {
    expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: TAKEN } })).status).toBe(201);
    const pending = await createPending('second desk');
    const id = pending.phoneNumber;
    const takenBefore = await device(TAKEN);
    const eventsOfTaken = rows('events', TAKEN);
    await scan(id, TAKEN);
    const refused = await waitFor(async () => {
      const d = await device(id);
      return d.lastError?.includes('pairing refused') ? d : null;
    }, { what: 'the refusal' });
    expect(refused).toMatchObject({ phoneNumber: id, pending: true, loggedIn: false, state: 'running' });
    expect(refused.lastError).toContain(`${TAKEN} is already registered`);
    expect(fs.existsSync(folder(id))).toBe(true);
    expect(await device(TAKEN)).toMatchObject({ phoneNumber: TAKEN, pendingId: null, createdAt: (takenBefore as unknown as { createdAt: string }).createdAt });
    expect(rows('events', TAKEN)).toBe(eventsOfTaken);
    // The child's session for that phone is gone (logged out), so the phone has no second linked device here.
    const status = await gw.gateway.supervisor.runner(id)?.client?.appStatus();
    expect(status?.is_logged_in).toBe(false);

    await scan(id, OTHER);
    const bound = await waitFor(async () => {
      const d = await gw.request<ApiDevice>('GET', `/api/devices/${OTHER}`);
      return d.status === 200 && d.body.loggedIn && d.body.state === 'running' ? d.body : null;
    }, { what: 'the second pairing bound' });
    expect(bound).toMatchObject({ phoneNumber: OTHER, pendingId: id });
  });

  it('is made only when asked for: no phone and no pending is a 400, both are a 400', async () => {
    const none = await gw.request<{ error: { fields: { field: string; message: string }[] } }>('POST', '/api/devices', { body: { name: 'nothing' } });
    expect(none.status).toBe(400);
    expect(none.body.error.fields).toEqual([{ field: 'phoneNumber', message: expect.stringMatching(/^is required \(or pending: true/) }]);
    const both = await gw.request<{ error: { fields: { field: string }[] } }>('POST', '/api/devices', { body: { phoneNumber: '5511940000099', pending: true } });
    expect(both.status).toBe(400);
    expect(both.body.error.fields[0]?.field).toBe('pending');
    expect((await gw.request('GET', '/api/devices/5511940000099')).status).toBe(404);
  });

  it('refuses keys that are neither a phone nor a pending id', async () => {
    for (const key of ['pending-ABCDEFGHIJKL', 'pending-short', 'pending-abcdefghijkl1', '..%2F..%2Fetc']) {
      const res = await gw.request<{ error: { code: string } }>('GET', `/api/devices/${key}`);
      expect({ key, status: res.status, code: res.body.error.code }).toEqual({ key, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await gw.request('GET', '/api/devices/pending-zzzzzzzzzzzz')).status).toBe(404);
  });
});

describe('a pending number shared before it paired', () => {
  it('keeps its owner, grants and API keys on the phone it takes; its audit rows stay as written, linked by number.bound', async () => {
    const owner = await createUser(gw, 'pending-owner');
    const agent = await createUser(gw, 'pending-agent');
    const pending = await createPending('shared desk', owner.token);
    const id = pending.phoneNumber;
    await grant(gw, id, agent.id, 'operator', owner.token);
    const key = await createKey(gw, owner.token, { name: 'desk key', scopes: ['numbers:read'], numbers: [id] });
    expect((await gw.request('GET', `/api/devices/${id}`, { token: key.key })).status).toBe(200);
    expect((await gw.request('PATCH', `/api/devices/${id}`, { body: { name: 'shared desk, renamed' }, token: agent.token })).status).toBe(200);
    await auditSettled(gw);
    const before = auditRows(gw).filter((r) => r.phone_number === id);
    expect(before.map((r) => r.action)).toEqual(expect.arrayContaining(['number.create', 'grant.set', 'number.update']));
    const mark = lastAuditId(gw);

    await scan(id, SHARED);
    await waitFor(async () => (await gw.request<ApiDevice>('GET', `/api/devices/${SHARED}`)).body.loggedIn === true, { what: 'the shared number bound and logged in' });

    // The owner still owns it, the grantee keeps its level, the key covers the phone (and was told so).
    expect((gw.gateway.database.sqlite.prepare('SELECT owner_id AS ownerId FROM devices WHERE phone_number = ?').get(SHARED) as { ownerId: number }).ownerId).toBe(owner.id);
    expect((await gw.request<{ grants: { userId: number; phoneNumber: string; level: string }[] }>('GET', `/api/devices/${SHARED}/grants`, { token: owner.token })).body.grants).toEqual([
      expect.objectContaining({ userId: agent.id, phoneNumber: SHARED, level: 'operator' }),
    ]);
    expect((await gw.request('POST', `/api/devices/${SHARED}/restart`, { token: agent.token })).status).toBe(200);
    expect((await gw.request<{ numbers: string[] }>('GET', `/api/keys/${key.id}`, { token: owner.token })).body.numbers).toEqual([SHARED]);
    expect((await gw.request<ApiDevice>('GET', `/api/devices/${SHARED}`, { token: key.key })).status).toBe(200);
    expect(rows('number_grants', id)).toBe(0);
    // Every route with the number in its path still takes the old id, and acts on the phone.
    expect((await gw.request<ApiDevice>('GET', `/api/devices/${id}`, { token: agent.token })).body).toMatchObject({ phoneNumber: SHARED, pendingId: id });
    expect((await gw.request<{ grants: unknown[] }>('GET', `/api/devices/${id}/grants`, { token: owner.token })).body.grants).toHaveLength(1);
    // A stranger learns nothing from the old id either.
    const stranger = await createUser(gw, 'pending-stranger');
    expect((await gw.request('GET', `/api/devices/${id}`, { token: stranger.token })).status).toBe(404);

    await auditSettled(gw);
    // History as it was written: the rows of the pending id are untouched (the log is append-only and chained).
    expect(auditRows(gw).filter((r) => r.phone_number === id && r.id <= mark)).toEqual(before);
    const bound = auditRows(gw, mark).find((r) => r.action === 'number.bound');
    expect(bound).toMatchObject({ phone_number: SHARED, actor_type: 'system', result: 'ok' });
    expect(JSON.parse(bound?.params ?? '{}')).toEqual({ pendingId: id });
    // After the bind, everything is written under the phone (the requests above named the old id).
    expect(auditRows(gw, bound?.id).filter((r) => r.phone_number === id)).toEqual([]);
    // The owner reads both: the phone's rows, and the pending id's from before.
    const own = await gw.request<{ entries: { action: string }[] }>('GET', `/api/audit?number=${id}`, { token: owner.token });
    expect(own.body.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['number.create', 'grant.set']));
    expect((await gw.request<{ ok: boolean }>('GET', '/api/audit/verify')).body.ok).toBe(true);
  });
});

describe('a pending number followed live', () => {
  it("moves its Socket.IO followers to the phone it takes: they get device.bound and what comes after, with no new join", async () => {
    const owner = await createUser(gw, 'pending-watcher');
    const id = (await createPending('watched desk', owner.token)).phoneNumber;
    const client = await connectClient(gw.url, owner.token);
    try {
      expect(await client.join(`device-${id}`)).toMatchObject({ ok: true });
      await scan(id, WATCHED);
      const bound = await client.waitFor('device-websocket-message', ({ message }) => message.type === 'bound');
      expect(bound.message).toMatchObject({ phoneNumber: WATCHED, pendingId: id });
      await childLoggedIn(WATCHED);
      await gw.gateway.supervisor.runner(WATCHED)?.client?.request('POST', '/_sim/incoming', { body: { body: 'after the move' } });
      const isIncoming = (message: { type: string; phoneNumber: string }) => message.type === 'message' && message.phoneNumber === WATCHED;
      await client.waitFor('device-websocket-message', ({ message }) => isIncoming(message));
      await client.waitFor('whatsapp-websocket-message', ({ message }) => isIncoming(message));
    } finally {
      client.close();
    }
  });
});

describe('boot restore', () => {
  it('starts a number still waiting for its phone (no session yet) and keeps bound ones logged in', async () => {
    const pending = await createPending('waits across a restart');
    await gw.close();
    gw = await startTestGateway({ dataRoot, env: { HISTORY_SYNC_DAYS: '0' } });
    await waitFor(() => gw.gateway.supervisor.runner(pending.phoneNumber)?.state === 'running', { what: 'the pending number running again' });
    await waitFor(async () => (await device(FRESH)).loggedIn, { what: 'the bound number logged in after the restart' });
  });
});

describe('the rename', () => {
  it('covers every table that keys rows by number', () => {
    const listed = new Set<string>([...NUMBER_TABLES, ...HISTORICAL_TABLES]);
    const unlisted = tablesWithNumberColumn(gw.gateway.database.sqlite).filter((t) => !listed.has(t));
    expect({ unlisted }).toEqual({ unlisted: [] });
  });
});
