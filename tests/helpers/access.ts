import type { TestGateway } from './gateway.js';

export interface TestUser {
  readonly id: number;
  readonly username: string;
  readonly password: string;
  readonly token: string;
}

export async function login(gw: TestGateway, username: string, password: string): Promise<string> {
  const res = await gw.request<{ token: string }>('POST', '/api/auth/login', { body: { username, password }, token: null });
  if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

/** An account made by the admin, signed in. */
export async function createUser(gw: TestGateway, username: string, role: 'admin' | 'user' | 'viewer' = 'user'): Promise<TestUser> {
  const password = `${username}-password-123`;
  const res = await gw.request<{ id: number }>('POST', '/api/users', { body: { username, password, role } });
  if (res.status !== 201) throw new Error(`creating ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, username, password, token: await login(gw, username, password) };
}

export interface TestKey {
  readonly id: string;
  readonly key: string;
}

/** POST /api/keys with the given token; a non-admin's key gets a 30-day expiry unless the body says otherwise. */
export async function createKey(gw: TestGateway, token: string | undefined, body: Record<string, unknown>): Promise<TestKey> {
  const res = await gw.request<{ id: string; key: string }>('POST', '/api/keys', { body: { name: 'test key', expiresInDays: 30, ...body }, ...(token ? { token } : {}) });
  if (res.status !== 201) throw new Error(`creating a key failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, key: res.body.key };
}

export async function grant(gw: TestGateway, phone: string, userId: number, level: string, token?: string): Promise<void> {
  const res = await gw.request('PUT', `/api/devices/${phone}/grants/${userId}`, { body: { level }, ...(token ? { token } : {}) });
  if (res.status !== 200) throw new Error(`grant failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface AuditRowRaw {
  id: number;
  action: string;
  result: string;
  actor_type: string;
  actor_id: number | null;
  key_id: string | null;
  phone_number: string | null;
  http_status: number | null;
  error_code: string | null;
  params: string | null;
  request_id: string | null;
  target_type: string | null;
  target_id: string | null;
}

/** Audit rows straight from the database, oldest first, after `afterId`. */
export function auditRows(gw: TestGateway, afterId = 0): AuditRowRaw[] {
  return gw.gateway.database.sqlite.prepare('SELECT * FROM audit_events WHERE id > ? ORDER BY id').all(afterId) as AuditRowRaw[];
}

export function lastAuditId(gw: TestGateway): number {
  return (gw.gateway.database.sqlite.prepare('SELECT coalesce(max(id), 0) AS id FROM audit_events').get() as { id: number }).id;
}

let barriers = 0;

/**
 * Rows of answered requests are written at the end of their event-loop turn, in order: once a refused request made
 * now has its row, every request answered before it has its rows too (and no more will come for them).
 */
export async function auditSettled(gw: TestGateway): Promise<void> {
  const requestId = `audit-barrier-${++barriers}`;
  await gw.request('GET', '/api/devices', { token: 'not-a-token', headers: { 'x-request-id': requestId } });
  const { waitFor } = await import('./wait.js');
  await waitFor(() => gw.gateway.database.sqlite.prepare('SELECT 1 FROM audit_events WHERE request_id = ?').get(requestId), { what: 'the audit barrier row', timeoutMs: 5000, intervalMs: 5 });
}
