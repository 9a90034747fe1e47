import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { auditRows, auditSettled, createKey, createUser, lastAuditId, type TestUser } from '../helpers/access.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { child, failNext, register, registerPaired, send } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, expectRefused } from '../realtime/socket-helpers.js';

const MINE = '5511980000001';
const THEIRS = '5511980000002';
const PAIRED = '5511980000003';

let gw: TestGateway;
let alice: TestUser;
let mallory: TestUser;

interface Entry {
  id: number;
  action: string;
  result: string;
  actor: { type: string; id: number | null; name: string | null; keyId: string | null };
  phoneNumber: string | null;
  requestId: string | null;
  params: Record<string, unknown> | null;
  httpStatus: number | null;
  errorCode: string | null;
}

let counter = 0;
const rid = () => `audit-test-${++counter}`;
const rowsFor = (requestId: string) => auditRows(gw).filter((r) => r.request_id === requestId);

beforeAll(async () => {
  gw = await startTestGateway({ env: { QUEUE_INTERVAL: '20', QUEUE_TIMELOCK_PAUSE: '60000', RESTART_BASE_DELAY: '100', CRASH_LOOP_MAX: '2' } });
  alice = await createUser(gw, 'alice');
  mallory = await createUser(gw, 'mallory');
  expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: MINE, autoStart: false }, token: alice.token })).status).toBe(201);
  expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: THEIRS, autoStart: false } })).status).toBe(201);
});
afterAll(async () => {
  await gw.close();
});

describe('every refused attempt is recorded once, as denied', () => {
  it('for REST: bad credentials, missing scopes, hidden numbers, insufficient levels', async () => {
    const key = await createKey(gw, alice.token, { scopes: ['numbers:read'], numbers: [MINE] });
    // The number a refusal was about is named in its row, also when the key lacked the scope altogether.
    const attempts: [string, string, string | null, number, string, string | null][] = [
      ['GET', '/api/devices', 'not-a-token', 401, 'auth.rejected', null],
      ['POST', '/api/devices', null, 401, 'auth.rejected', null],
      ['POST', `/api/devices/${MINE}/stop`, key.key, 403, 'number.stop', MINE],
      ['GET', `/api/devices/${THEIRS}`, alice.token, 404, 'devices.read', THEIRS],
      ['DELETE', `/api/devices/${THEIRS}`, alice.token, 404, 'number.delete', THEIRS],
      ['POST', '/api/users', alice.token, 403, 'user.create', null],
      ['GET', `/proxy/whatsapp/${THEIRS}/app/status`, alice.token, 404, 'proxy.get', THEIRS],
    ];
    for (const [method, path, token, status, action, phone] of attempts) {
      const requestId = rid();
      const res = await gw.request(method, path, { token, headers: { 'x-request-id': requestId }, ...(method === 'POST' && path === '/api/users' ? { body: { username: 'x-user', password: 'x-password-1' } } : {}) });
      expect([path, res.status]).toEqual([path, status]);
      expect(res.headers.get('x-request-id')).toBe(requestId);
      await auditSettled(gw);
      const rows = rowsFor(requestId);
      expect([path, rows.length]).toEqual([path, 1]);
      expect(rows[0]).toMatchObject({ action, result: 'denied', http_status: status, phone_number: phone });
    }
    // The hidden number is recorded for what it is (the caller saw only "not registered").
    const hidden = auditRows(gw).filter((r) => r.action === 'devices.read' && r.phone_number === THEIRS);
    expect(hidden.at(-1)).toMatchObject({ actor_id: alice.id, error_code: 'DEVICE_NOT_FOUND', result: 'denied' });
    // Reads that succeed, and reads of numbers that do not exist at all, are not rows.
    await auditSettled(gw);
    const before = lastAuditId(gw);
    await gw.request('GET', `/api/devices/${MINE}`, { token: alice.token });
    await gw.request('GET', '/api/devices/5511980009999', { token: alice.token });
    await auditSettled(gw);
    expect(auditRows(gw, before).map((r) => r.request_id)).toEqual([expect.stringMatching(/^audit-barrier-/)]);
  });

  it('for Socket.IO handshakes and joins, and the proxied WebSocket', async () => {
    await auditSettled(gw);
    const before = lastAuditId(gw);
    await expectRefused(gw.url, 'not-a-token');
    const client = await connectClient(gw.url, mallory.token);
    expect(await client.join(`device-${THEIRS}`)).toMatchObject({ ok: false });
    client.close();
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/proxy/whatsapp/${THEIRS}/ws?token=${mallory.token}`);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(0));
    });
    expect(status).toBe(404);
    await auditSettled(gw);
    const rows = auditRows(gw, before).filter((r) => !r.request_id?.startsWith('audit-barrier-'));
    expect(rows.map((r) => [r.action, r.result, r.actor_id, r.phone_number])).toEqual([
      ['realtime.connect', 'denied', null, null],
      ['realtime.join', 'denied', mallory.id, THEIRS],
      ['proxy.ws', 'denied', mallory.id, THEIRS],
    ]);
  });
});

describe('every change is recorded once', () => {
  it('with its actor, key, target and redacted parameters', async () => {
    const key = await createKey(gw, alice.token, { preset: 'full-number', numbers: [MINE] });
    const changes: [string, string, unknown, string, string | undefined][] = [
      ['PATCH', `/api/devices/${MINE}`, { name: 'Sales', webhookUrl: 'https://hooks.example.com/x/SECRET-PATH', webhookSecret: 'webhook-secret-value' }, 'number.update', alice.token],
      ['PATCH', `/api/devices/${MINE}/queue`, { concurrency: 2 }, 'queue.policy', key.key],
      ['POST', '/api/messages/send', { from: MINE, to: '5511888888888', message: 'a private message body' }, 'message.send', key.key],
      ['PUT', `/api/devices/${MINE}/grants/${mallory.id}`, { level: 'read' }, 'grant.set', alice.token],
      ['POST', `/api/devices/${MINE}/stop`, undefined, 'number.stop', key.key],
      ['POST', '/api/users', { username: 'newbie', password: 'newbie-password-1' }, 'user.create', undefined],
    ];
    for (const [method, path, body, action, token] of changes) {
      const requestId = rid();
      const res = await gw.request(method, path, { body, ...(token ? { token } : {}), headers: { 'x-request-id': requestId } });
      expect([path, res.status < 300]).toEqual([path, true]);
      await auditSettled(gw);
      const rows = rowsFor(requestId);
      expect([path, rows.map((r) => [r.action, r.result])]).toEqual([path, [[action, 'ok']]]);
    }
    const all = JSON.stringify(auditRows(gw));
    for (const secret of ['a private message body', 'webhook-secret-value', 'SECRET-PATH', 'newbie-password-1', key.key]) expect(all).not.toContain(secret);
    const send = auditRows(gw).find((r) => r.action === 'message.send');
    expect(send).toMatchObject({ actor_type: 'api_key', actor_id: alice.id, key_id: key.id });
    expect(JSON.parse(send?.params ?? '{}')).toMatchObject({ from: MINE, to: '5511888888888', message: { length: 22 } });
  });

  it('for reads that matter: fetching a QR code', async () => {
    const requestId = rid();
    expect((await gw.request('GET', `/api/devices/${MINE}/qr`, { token: alice.token, headers: { 'x-request-id': requestId } })).status).toBe(503);
    await auditSettled(gw);
    expect(rowsFor(requestId).map((r) => [r.action, r.result, r.http_status, r.phone_number])).toEqual([['number.pair_qr', 'error', 503, MINE]]);
  });

  it('in the same transaction as the change: when the row cannot be written, the change is not made', async () => {
    const sqlite = gw.gateway.database.sqlite;
    sqlite.exec('ALTER TABLE audit_events RENAME TO audit_events_away');
    try {
      expect((await gw.request('PUT', `/api/devices/${MINE}/grants/${mallory.id}`, { body: { level: 'manager' }, token: alice.token })).status).toBe(500);
      expect((await gw.request('PATCH', `/api/devices/${MINE}`, { body: { name: 'never stored' }, token: alice.token })).status).toBe(500);
      expect((await gw.request('PATCH', `/api/users/${mallory.id}`, { body: { role: 'viewer' } })).status).toBe(500);
    } finally {
      sqlite.exec('ALTER TABLE audit_events_away RENAME TO audit_events');
    }
    expect(sqlite.prepare('SELECT level FROM number_grants WHERE user_id = ? AND phone_number = ?').get(mallory.id, MINE)).toEqual({ level: 'read' });
    expect((await gw.request<{ numbers: { level: string }[] }>('GET', '/api/access', { token: mallory.token })).body.numbers).toEqual([{ phoneNumber: MINE, level: 'read' }]);
    expect((await gw.request<{ name: string }>('GET', `/api/devices/${MINE}`, { token: alice.token })).body.name).toBe('Sales');
    expect((await gw.request<{ principal: { role: string } }>('GET', '/api/access', { token: mallory.token })).body.principal.role).toBe('user');
  });
});

describe('the gateway’s own actions', () => {
  it('a crash, the automatic restart, a crash loop giving up, and a timelock pause', async () => {
    await registerPaired(gw, PAIRED);
    const pid = gw.gateway.supervisor.runner(PAIRED)?.pid ?? 0;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => auditRows(gw).some((r) => r.action === 'number.auto_restart' && r.phone_number === PAIRED), { what: 'the automatic restart row' });
    await waitFor(() => gw.gateway.supervisor.runner(PAIRED)?.state === 'running', { what: 'running again' });
    await failNext(gw, PAIRED, { count: 1, status: 429, code: 'WA_REACHOUT_TIMELOCK' });
    await waitFor(() => gw.gateway.supervisor.runner(PAIRED)?.session === 'logged_in', { what: 'logged in again' });
    await send(gw, { from: PAIRED, to: '5511888881000', message: 'locked' });
    await waitFor(() => auditRows(gw).some((r) => r.action === 'queue.timelock_pause' && r.phone_number === PAIRED), { what: 'the timelock row' });
    for (let i = 0; i < 3 && gw.gateway.supervisor.runner(PAIRED)?.state !== 'failed'; i++) {
      const running = await waitFor(() => (gw.gateway.supervisor.runner(PAIRED)?.state === 'running' ? gw.gateway.supervisor.runner(PAIRED)?.pid : null), { what: 'a process to kill' });
      await child(gw, PAIRED).request('POST', '/_sim/crash', { body: { exit_code: 3 } }).catch(() => undefined);
      await waitFor(() => gw.gateway.supervisor.runner(PAIRED)?.pid !== running, { what: 'the crash' });
    }
    await waitFor(() => auditRows(gw).some((r) => r.action === 'number.crash_loop' && r.phone_number === PAIRED), { what: 'the crash loop row' });
    const system = auditRows(gw).filter((r) => r.phone_number === PAIRED && r.actor_type === 'system');
    for (const action of ['number.crash', 'number.auto_restart', 'queue.timelock_pause', 'number.crash_loop']) expect(system.map((r) => r.action)).toContain(action);
    expect(system.every((r) => r.actor_id === null)).toBe(true);
  });
});

describe('reading the log', () => {
  it('filters, pages with a cursor, and exports the same entries as NDJSON', async () => {
    const all: Entry[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/audit?action=number.*&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await gw.request<{ entries: Entry[]; nextCursor: string | null }>('GET', query);
      all.push(...page.body.entries);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(all.length).toBeGreaterThan(5);
    expect(all.every((e) => e.action.startsWith('number.'))).toBe(true);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
    const denied = await gw.request<{ entries: Entry[] }>('GET', '/api/audit?result=denied&actor=mallory');
    expect(denied.body.entries.length).toBeGreaterThan(0);
    expect(denied.body.entries.every((e) => e.result === 'denied' && e.actor.name === 'mallory')).toBe(true);
    const future = await gw.request<{ entries: Entry[] }>('GET', `/api/audit?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body.entries).toEqual([]);
    const exported = await fetch(`${gw.url}/api/audit/export?action=number.*`, { headers: { authorization: `Bearer ${await gw.token()}` } });
    expect(exported.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l) as Entry);
    expect(lines.map((e) => e.id)).toEqual(all.map((e) => e.id).reverse());
  });

  it('shows a non-admin the rows of numbers it manages and its own actions, nothing else', async () => {
    const rows = await gw.request<{ entries: Entry[] }>('GET', '/api/audit?limit=500', { token: alice.token });
    expect(rows.status).toBe(200);
    expect(rows.body.entries.length).toBeGreaterThan(3);
    for (const e of rows.body.entries) expect(e.phoneNumber === MINE || e.actor.id === alice.id).toBe(true);
    expect(rows.body.entries.some((e) => e.phoneNumber === THEIRS)).toBe(false);
    expect(rows.body.entries.some((e) => e.actor.type === 'anonymous')).toBe(false);
    // mallory reads MINE but does not manage it: only its own rows, never the hidden-number probe of alice's.
    const theirs = await gw.request<{ entries: Entry[] }>('GET', '/api/audit?limit=500', { token: mallory.token });
    expect(theirs.body.entries.every((e) => e.actor.id === mallory.id && e.phoneNumber !== THEIRS)).toBe(true);
    const viewer = await createUser(gw, 'auditless', 'viewer');
    expect((await gw.request('GET', '/api/audit', { token: viewer.token })).status).toBe(403);
    expect((await gw.request('GET', '/api/audit/verify', { token: alice.token })).status).toBe(403);
  });

  it('counts rows by action and result in /metrics', async () => {
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/wa_audit_events_total\{action="auth\.rejected",result="denied"\} [1-9]/);
    expect(metrics).toMatch(/wa_audit_events_total\{action="number\.update",result="ok"\} 1/);
  });
});

describe('the hash chain', () => {
  it('verifies, and survives pruning (which is itself recorded)', async () => {
    const ok = await gw.request<{ ok: boolean; checked: number; headHash: string }>('GET', '/api/audit/verify');
    expect(ok.body).toMatchObject({ ok: true });
    expect(ok.body.checked).toBe(lastAuditId(gw) - 0);
    const before = lastAuditId(gw);
    const pruned = await gw.gateway.audit.prune(Date.now() + 1000);
    expect(pruned).toBe(before - 1);
    const rows = auditRows(gw);
    expect(rows.map((r) => r.action)).toEqual([rows[0]?.action, 'audit.prune']);
    expect(JSON.parse(rows[1]?.params ?? '{}')).toMatchObject({ deleted: before - 1, throughId: before - 1 });
    expect((await gw.request('GET', '/api/audit/verify')).body).toMatchObject({ ok: true, checked: 2 });
  });

  it('names an edited row and a deleted row', async () => {
    await register(gw, '5511980000009', false);
    await gw.request('PATCH', '/api/devices/5511980000009', { body: { name: 'one' } });
    await gw.request('PATCH', '/api/devices/5511980000009', { body: { name: 'two' } });
    const sqlite = gw.gateway.database.sqlite;
    const target = auditRows(gw).find((r) => r.action === 'number.update');
    expect(() => sqlite.prepare("UPDATE audit_events SET result = 'denied' WHERE id = ?").run(target?.id)).toThrow(/append-only/);
    sqlite.exec('DROP TRIGGER audit_events_append_only');
    sqlite.prepare("UPDATE audit_events SET actor_name = 'someone-else' WHERE id = ?").run(target?.id);
    expect((await gw.request('GET', '/api/audit/verify')).body).toMatchObject({ ok: false, problem: { id: target?.id, reason: 'row changed after it was written' } });
    sqlite.prepare("UPDATE audit_events SET actor_name = 'admin' WHERE id = ?").run(target?.id);
    expect((await gw.request('GET', '/api/audit/verify')).body).toMatchObject({ ok: true });
    sqlite.prepare('DELETE FROM audit_events WHERE id = ?').run(target?.id);
    expect((await gw.request('GET', '/api/audit/verify')).body).toMatchObject({ ok: false, problem: { id: target?.id, reason: 'row deleted' } });
  });

  it('names rows missing at the end', async () => {
    // Pruning removes the broken part with everything old (the newest row stays, and so does its link).
    await gw.request('PATCH', '/api/devices/5511980000009', { body: { name: 'three' } });
    await gw.gateway.audit.prune(Date.now() + 1000);
    expect((await gw.request('GET', '/api/audit/verify')).body).toMatchObject({ ok: true, checked: 2 });
    await gw.request('PATCH', '/api/devices/5511980000009', { body: { name: 'four' } });
    const last = lastAuditId(gw);
    gw.gateway.database.sqlite.prepare('DELETE FROM audit_events WHERE id = ?').run(last);
    const verdict = await gw.request<{ ok: boolean; problem: { id: number; reason: string } }>('GET', '/api/audit/verify');
    expect(verdict.body).toMatchObject({ ok: false, problem: { id: last, reason: `rows ${last}–${last} were deleted from the end` } });
  });
});
