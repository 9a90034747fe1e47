/**
 * Who may call the legacy tenant API: API keys (or tokens) with the `compat` scope in `Authorization: Bearer` or
 * `X-Internal-Secret`, or a COMPAT_ALLOW address acting as COMPAT_ALLOW_AS; one tenant's caller never sees
 * another's; every call is audited as `compat.*` (message texts by their length only).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditRows, auditSettled, createKey, createUser, lastAuditId, type TestKey, type TestUser } from '../helpers/access.js';
import { startCompatGateway, type CompatGateway } from './support.js';

let locked: CompatGateway;
let open: CompatGateway;
let adminKey: TestKey;
let alice: TestUser;
let aliceKey: TestKey;

beforeAll(async () => {
  [locked, open] = await Promise.all([startCompatGateway({ COMPAT_ALLOW: '' }), startCompatGateway({ COMPAT_ALLOW_AS: 'alice' })]);
  adminKey = await createKey(locked, undefined, { preset: 'compat', numbers: '*' });
  alice = await createUser(locked, 'alice');
  aliceKey = await createKey(locked, alice.token, { preset: 'compat', numbers: '*' });
  await createUser(open, 'alice');
}, 60_000);
afterAll(async () => {
  await Promise.all([locked?.close(), open?.close()]);
});

const secret = (key: TestKey) => ({ 'x-internal-secret': key.key });
const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

describe('credentials', () => {
  it('refuses a call without a credential from an address not on COMPAT_ALLOW, and any wrong credential', async () => {
    const tries: Record<string, string>[] = [{}, { 'x-internal-secret': 'wmg_test_aaaaaaaa_wrongwrongwrongwrong' }, bearer('not-a-real-token-at-all'), { 'x-internal-secret': 'short' }];
    for (const headers of tries) {
      const res = await locked.legacy('GET', '/tenants', undefined, headers);
      expect([headers, res.status, res.body]).toEqual([headers, 401, expect.objectContaining({ success: false, error: 'Não autorizado' })]);
    }
    // Nothing was created by a refused call.
    const refused = await locked.legacy('POST', '/tenants', { tenantId: 9 });
    expect(refused.status).toBe(401);
    expect((await locked.legacy('GET', '/tenants/9/status', undefined, secret(adminKey))).status).toBe(404);
  });

  it('takes a compat key as X-Internal-Secret or as a bearer, and a user token as a bearer', async () => {
    expect(await locked.legacy('POST', '/tenants', { tenantId: 1 }, secret(adminKey))).toMatchObject({ status: 200, body: { success: true, message: 'Tenant 1 criado com sucesso' } });
    expect(await locked.legacy('GET', '/tenants/1/status', undefined, bearer(adminKey.key))).toMatchObject({ status: 200, body: { success: true, tenant: { tenantId: '1' } } });
    expect(await locked.legacy('GET', '/tenants', undefined, bearer(await locked.token()))).toMatchObject({ status: 200, body: { success: true } });
  });

  it('refuses a key without the compat scope: 403', async () => {
    const reader = await createKey(locked, undefined, { preset: 'read-only', numbers: '*' });
    expect(await locked.legacy('GET', '/tenants', undefined, secret(reader))).toMatchObject({ status: 403, body: { success: false, error: 'Acesso negado' } });
  });

  it('keeps tenants apart: a user sees and acts on its own tenants only; /clear-all is for administrators', async () => {
    expect((await locked.legacy('POST', '/tenants', { tenantId: 2 }, secret(aliceKey))).status).toBe(200);
    const listed = await locked.legacy<{ tenants: { tenantId: string }[] }>('GET', '/tenants', undefined, secret(aliceKey));
    expect(listed.body.tenants.map((t) => t.tenantId)).toEqual(['2']);
    expect(await locked.legacy('GET', '/tenants/1/status', undefined, secret(aliceKey))).toMatchObject({ status: 404, body: { success: false, error: 'Tenant não encontrado' } });
    expect((await locked.legacy('POST', '/send/1', { phone: '5511988880000', message: 'x' }, secret(aliceKey))).status).toBe(404);
    expect((await locked.legacy('DELETE', '/tenants/1', undefined, secret(aliceKey))).status).toBe(404);
    // The admin's tenant 1 was not touched.
    expect((await locked.legacy('GET', '/tenants/1/status', undefined, secret(adminKey))).status).toBe(200);
    // Another user's tenant id is taken all the same: ids are the gateway's, not per user.
    expect((await locked.legacy('POST', '/tenants', { tenantId: 1 }, secret(aliceKey))).status).toBe(500);
    expect(await locked.legacy('POST', '/clear-all?confirm=1', undefined, secret(aliceKey))).toMatchObject({ status: 403, body: { success: false, error: 'Acesso negado' } });
    // Also through /api: another owner's pending number is unknown to her, QR code included.
    const adminPending = locked.gateway.database.sqlite.prepare("SELECT phone_number AS n FROM compat_tenants WHERE tenant_id = '1'").get() as { n: string };
    expect(adminPending.n).toMatch(/^pending-/);
    for (const path of [`/api/devices/${adminPending.n}`, `/api/devices/${adminPending.n}/qr`]) {
      expect([path, (await locked.request('GET', path, { token: alice.token })).status]).toEqual([path, 404]);
    }
    // Her tenant's own Flask must be a public address (the gateway posts to it on her behalf); nothing is created.
    const inward = await locked.legacy('POST', '/tenants', { tenantId: 3, flaskUrl: 'http://127.0.0.1:5000' }, secret(aliceKey));
    expect(inward).toMatchObject({ status: 400, body: { error: 'Erro ao criar tenant', field: 'flaskUrl' } });
    expect((await locked.legacy('GET', '/tenants/3/status', undefined, secret(adminKey))).status).toBe(404);
    // Alice owns the number of her tenant.
    const number = locked.gateway.database.sqlite.prepare("SELECT d.owner_id AS owner FROM compat_tenants t JOIN devices d ON d.phone_number = t.phone_number WHERE t.tenant_id = '2'").get() as { owner: number };
    expect(number.owner).toBe(alice.id);
  });
});

describe('the audit log', () => {
  it('records every legacy call as compat.*, reads and refusals included, never a message text', async () => {
    const after = lastAuditId(locked);
    await locked.legacy('GET', '/tenants/1/status', undefined, secret(adminKey));
    await locked.legacy('POST', '/send/1', { phone: '5511988880000', message: 'segredo do cliente' }, secret(adminKey));
    await locked.legacy('GET', '/status');
    await auditSettled(locked);
    const rows = auditRows(locked, after).filter((r) => r.action.startsWith('compat.'));
    expect(rows.map((r) => [r.action, r.result, r.http_status, r.actor_type, r.key_id])).toEqual([
      ['compat.tenants.status', 'ok', 200, 'api_key', adminKey.id],
      ['compat.send', 'error', 500, 'api_key', adminKey.id],
      ['compat.status', 'denied', 401, 'anonymous', null],
    ]);
    expect(rows[0]).toMatchObject({ target_type: 'tenant', target_id: '1' });
    expect(rows[1]?.error_code).toBe('NOT_CONNECTED');
    expect(JSON.stringify(rows)).not.toContain('segredo do cliente');
  });

  it('names the COMPAT_ALLOW account for calls from an allowed address without a credential', async () => {
    const after = lastAuditId(open);
    expect((await open.legacy('POST', '/tenants', { tenantId: 'loja' })).status).toBe(200);
    await auditSettled(open);
    const [row] = auditRows(open, after).filter((r) => r.action === 'compat.tenants.create');
    expect(row).toMatchObject({ result: 'ok', actor_type: 'user', target_id: 'loja' });
    expect(JSON.parse(row?.params ?? '{}')).toMatchObject({ via: 'COMPAT_ALLOW' });
    const owner = open.gateway.database.sqlite.prepare("SELECT d.owner_id AS owner, u.username AS name FROM compat_tenants t JOIN devices d ON d.phone_number = t.phone_number JOIN users u ON u.id = d.owner_id WHERE t.tenant_id = 'loja'").get() as { name: string };
    expect(owner.name).toBe('alice');
  });
});
