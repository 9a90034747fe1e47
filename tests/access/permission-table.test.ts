import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KEY_SCOPES, ROLE_LEVEL_CAP, ROLE_SCOPES, SCOPE_LEVEL, SCOPES } from '../../src/domain/access.js';
import { createKey, createUser, grant, type TestUser } from '../helpers/access.js';
import { registerRunning, ROOT, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The access model as a table, checked against every route of the OpenAPI document: for each principal (every role,
 * every grant level, a stranger, a key per scope, a key that does not cover the number) and each operation, the
 * expected answer follows from the operation's declared permission. A route without a permission fails here.
 *
 * The table below is the specification, written out by hand (docs/security.md shows the same): the code's own
 * tables must agree with it.
 */
const LEVELS = ['read', 'agent', 'operator', 'manager'] as const;
type Level = (typeof LEVELS)[number];
const ALL = [...SCOPES];
const SPEC_ROLE_SCOPES: Record<'admin' | 'user' | 'viewer', string[]> = {
  admin: ALL,
  user: ALL.filter((s) => s !== 'users:manage' && s !== 'system:admin'),
  viewer: ['numbers:read', 'messages:read', 'media:read', 'events:subscribe', 'keys:manage', 'account'],
};
const SPEC_SCOPE_LEVEL: Record<string, Level> = {
  'numbers:read': 'read',
  'messages:read': 'read',
  'media:read': 'read',
  'events:subscribe': 'read',
  'messages:send': 'agent',
  'numbers:control': 'operator',
  'numbers:pair': 'operator',
  'webhooks:manage': 'operator',
  'queue:manage': 'operator',
  compat: 'operator',
  'numbers:delete': 'manager',
  'grants:manage': 'manager',
  'audit:read': 'manager',
};

const N0 = '5511940000000';
const N1 = '5511940000001';
const N2 = '5511940000002';

interface Principal {
  readonly label: string;
  readonly token: string;
  readonly role: 'admin' | 'user' | 'viewer';
  /** Level on N1 as the account sees it (null: may not see it). */
  readonly level: Level | null;
  /** For keys: the key's scopes, and whether it covers N1. */
  readonly key?: { scopes: string[]; coversN1: boolean };
}

interface Permission {
  kind: 'public' | 'authenticated' | 'proxy' | 'scope';
  scope?: string;
  level?: Level;
  number?: 'path' | 'body';
  admin?: boolean;
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly permission: Permission | undefined;
  readonly audit: string | undefined;
  readonly hasBody: boolean;
}

type Expected = { allow: true } | { status: 403; missingScope?: string } | { status: 404 } | { status: 400; field: string };

function expectation(p: Principal, perm: Permission): Expected {
  if (perm.kind === 'authenticated') return { allow: true };
  const scope = perm.scope ?? '';
  const roleHas = SPEC_ROLE_SCOPES[p.role].includes(scope);
  if (!roleHas || (p.key && !p.key.scopes.includes(scope))) return { status: 403, missingScope: scope };
  if (perm.admin && p.role !== 'admin') return { status: 403 };
  if (perm.number === undefined) return { allow: true };
  if (p.level === null) return perm.number === 'body' ? { status: 400, field: 'from' } : { status: 404 };
  if (p.key && !p.key.coversN1) return { status: 403 };
  const need = perm.level ?? SPEC_SCOPE_LEVEL[scope] ?? 'read';
  return LEVELS.indexOf(p.level) >= LEVELS.indexOf(need) ? { allow: true } : { status: 403 };
}

let gw: TestGateway;
let operations: Operation[];
const principals: Principal[] = [];

function concrete(path: string): string {
  const id = path.startsWith('/api/keys') ? 'zzzzzzzz' : '999999';
  return path.replace('{phone}', N1).replace('{userId}', '999999').replace('{id}', id);
}

/** A body that passes validation only where that costs nothing (sends to a stopped number stay queued). */
function bodyFor(op: Operation): unknown {
  if (op.path === '/api/messages/send') return { from: N1, to: '5511888888888', message: 'table test' };
  if (op.path === '/api/messages/send-image') return { from: N1, to: '5511888888888', imageUrl: 'https://example.com/a.png' };
  if (op.path === '/api/messages/send-file') return { from: N1, to: '5511888888888', fileUrl: 'https://example.com/a.pdf' };
  return op.hasBody ? {} : undefined;
}

/** Destructive calls that pass their permission are stopped by validation instead (`purge` must be a boolean). */
function queryFor(op: Operation): string {
  return op.method === 'DELETE' && op.path === '/api/devices/{phone}' ? '?purge=not-a-boolean' : '';
}

beforeAll(async () => {
  // MAX_PROCESSES=1 with N0 running: starting N1 is refused after the permission check (409), so nothing moves.
  gw = await startTestGateway({ env: { MAX_PROCESSES: '1', UPDATE_FEED_URL: 'http://127.0.0.1:9/releases/latest' } });
  await registerRunning(gw, N0);
  const owner = await createUser(gw, 'table-owner');
  for (const phone of [N1, N2]) expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: phone, autoStart: false }, token: owner.token })).status).toBe(201);
  principals.push({ label: 'admin (JWT)', token: await gw.token(), role: 'admin', level: 'manager' });
  principals.push({ label: 'owner (JWT)', token: owner.token, role: 'user', level: 'manager' });
  for (const level of LEVELS) {
    const user = await createUser(gw, `table-${level}`);
    await grant(gw, N1, user.id, level, owner.token);
    principals.push({ label: `user with ${level} on N1`, token: user.token, role: 'user', level });
  }
  const stranger: TestUser = await createUser(gw, 'table-stranger');
  principals.push({ label: 'user without a grant', token: stranger.token, role: 'user', level: null });
  const viewer = await createUser(gw, 'table-viewer', 'viewer');
  await grant(gw, N1, viewer.id, 'operator', owner.token);
  principals.push({ label: 'viewer granted operator (reads only)', token: viewer.token, role: 'viewer', level: ROLE_LEVEL_CAP.viewer });
  for (const scope of KEY_SCOPES) {
    const key = await createKey(gw, undefined, { name: `only ${scope}`, scopes: [scope], numbers: '*' });
    principals.push({ label: `admin key with only ${scope}`, token: key.key, role: 'admin', level: 'manager', key: { scopes: [scope], coversN1: true } });
  }
  const userScopes = SPEC_ROLE_SCOPES.user.filter((s) => s !== 'account');
  const narrow = await createKey(gw, owner.token, { name: 'N2 only', scopes: userScopes, numbers: [N2] });
  principals.push({ label: "owner's key for N2 only", token: narrow.key, role: 'user', level: 'manager', key: { scopes: userScopes, coversN1: false } });
  const viewerKey = await createKey(gw, viewer.token, { name: 'viewer key', preset: 'read-only', numbers: '*' });
  principals.push({ label: "viewer's read-only key", token: viewerKey.key, role: 'viewer', level: 'read', key: { scopes: ['numbers:read', 'messages:read', 'media:read', 'events:subscribe'], coversN1: true } });

  const doc = await gw.request<{ paths: Record<string, Record<string, { 'x-permission'?: Permission; 'x-audit-action'?: string; requestBody?: unknown }>> }>('GET', '/api-docs/openapi.json', { token: null });
  operations = Object.entries(doc.body.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, permission: op['x-permission'], audit: op['x-audit-action'], hasBody: op.requestBody !== undefined })),
  );
}, 120_000);
afterAll(async () => {
  await gw.close();
});

describe('the specification and the code agree', () => {
  it('on the scopes of each role and the level of each scope', () => {
    for (const role of ['admin', 'user', 'viewer'] as const) expect([...ROLE_SCOPES[role]].sort()).toEqual([...SPEC_ROLE_SCOPES[role]].sort());
    const numberless = Object.fromEntries(SCOPES.filter((s) => !(s in SPEC_SCOPE_LEVEL)).map((s) => [s, null]));
    expect(SCOPE_LEVEL).toEqual({ ...SPEC_SCOPE_LEVEL, ...numberless });
    expect(Object.keys(numberless).sort()).toEqual(['account', 'keys:manage', 'numbers:create', 'system:admin', 'users:manage']);
  });

  it('in the table of docs/security.md', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'security.md'), 'utf8');
    const table = doc.slice(doc.indexOf('<!-- access-table:start -->'), doc.indexOf('<!-- access-table:end -->'));
    const rows = table.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows.map((r) => /`([^`]+)`/.exec(r)?.[1])).toEqual([...SCOPES]);
    for (const row of rows) {
      const cells = row.split('|').map((c) => c.trim());
      const scope = (cells[1] ?? '').replace(/`/g, '') as (typeof SCOPES)[number];
      const roles = { admin: cells[3] === '✓', user: cells[4] === '✓', viewer: cells[5] === '✓' };
      expect({ scope, roles }).toEqual({ scope, roles: { admin: ROLE_SCOPES.admin.has(scope), user: ROLE_SCOPES.user.has(scope), viewer: ROLE_SCOPES.viewer.has(scope) } });
      expect({ scope, level: cells[6] }).toEqual({ scope, level: SCOPE_LEVEL[scope] ?? '–' });
    }
  });
});

describe('every route of the API document', () => {
  it('declares who may call it, and names its audit action when it changes state', () => {
    expect(operations.length).toBeGreaterThan(50);
    for (const op of operations) {
      expect({ op: `${op.method} ${op.path}`, permission: op.permission?.kind }).toEqual({ op: `${op.method} ${op.path}`, permission: expect.stringMatching(/^(public|authenticated|proxy|scope)$/) });
      if (op.method !== 'GET') expect({ op: `${op.method} ${op.path}`, audit: op.audit }).toEqual({ op: `${op.method} ${op.path}`, audit: expect.stringMatching(/^[a-z_]+\.[a-z_.]+$/) });
    }
  });

  it('answers each principal as its role, grant level and key scopes allow', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const op of operations) {
      const perm = op.permission;
      if (!perm || perm.kind === 'public' || perm.kind === 'proxy') continue;
      for (const p of principals) {
        const res = await gw.request<{ error?: { code: string; missingScope?: string; fields?: { field: string }[] } }>(op.method, `${concrete(op.path)}${queryFor(op)}`, { token: p.token, body: bodyFor(op) });
        const want = expectation(p, perm);
        const got = `${res.status} ${res.body.error?.code ?? ''}`;
        checked++;
        let ok: boolean;
        if ('allow' in want) ok = res.status !== 401 && res.status !== 403 && res.body.error?.code !== 'DEVICE_NOT_FOUND';
        else if (want.status === 403) ok = res.status === 403 && res.body.error?.code === 'FORBIDDEN' && (want.missingScope === undefined || res.body.error.missingScope === want.missingScope);
        else if (want.status === 404) ok = res.status === 404 && res.body.error?.code === 'DEVICE_NOT_FOUND';
        else ok = res.status === 400 && (res.body.error?.fields ?? []).some((f) => f.field === want.field);
        if (!ok) mismatches.push(`${op.method} ${op.path} as ${p.label}: expected ${JSON.stringify(want)}, got ${got} ${JSON.stringify(res.body).slice(0, 160)}`);
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(mismatches).toEqual([]);
  }, 240_000);

  it('nothing was changed by the calls that were refused or stopped by validation', async () => {
    const devices = await gw.request<{ devices: { phoneNumber: string; state: string }[] }>('GET', '/api/devices');
    expect(devices.body.devices.map((d) => [d.phoneNumber, d.state])).toEqual([
      [N0, 'running'],
      [N1, 'stopped'],
      [N2, 'stopped'],
    ]);
  });
});

describe('the proxy', () => {
  const paths: [string, string, string][] = [
    ['GET', 'app/status', 'numbers:read'],
    ['POST', 'send/message', 'messages:send'],
    ['GET', 'app/login', 'numbers:pair'],
    ['GET', 'app/logout', 'numbers:control'],
    ['GET', 'chats', 'messages:read'],
    ['GET', 'message/ABC/download', 'media:read'],
  ];
  it('checks the scope and level its child path needs, like any route', async () => {
    const mismatches: string[] = [];
    for (const [method, path, scope] of paths) {
      for (const p of principals) {
        const res = await gw.request<{ error?: { code: string; missingScope?: string } }>(method, `/proxy/whatsapp/${N1}/${path}`, { token: p.token, ...(method === 'POST' ? { body: { phone: '5511888888888', message: 'x' } } : {}) });
        const want = expectation(p, { kind: 'scope', scope, number: 'path' });
        // N1 is stopped: a call that passes its permission gets 503 DEVICE_NOT_RUNNING.
        const ok = 'allow' in want ? res.status === 503 : res.status === want.status && (want.status !== 403 || want.missingScope === undefined || res.body.error?.missingScope === want.missingScope);
        if (!ok) mismatches.push(`${method} ${path} as ${p.label}: expected ${JSON.stringify(want)}, got ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
