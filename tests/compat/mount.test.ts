/**
 * Where the layer answers: with LEGACY_TENANT_API_PREFIX the legacy routes live under the prefix only, and the
 * root keeps the multi-client front end's /health; without LEGACY_TENANT_API=on no legacy path answers at all.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startCompatGateway, type CompatGateway } from './support.js';

let prefixed: CompatGateway;
let off: TestGateway;

beforeAll(async () => {
  [prefixed, off] = await Promise.all([startCompatGateway({ LEGACY_TENANT_API_PREFIX: '/compat/v1' }), startTestGateway()]);
});
afterAll(async () => {
  await Promise.all([prefixed?.close(), off?.close()]);
});

it('serves the legacy routes under the prefix only; /health at the root is the front end’s', async () => {
  expect(await prefixed.legacy('POST', '/compat/v1/tenants', { tenantId: 5 })).toMatchObject({ status: 200, body: { success: true, message: 'Tenant 5 criado com sucesso' } });
  expect(await prefixed.legacy('GET', '/compat/v1/health')).toMatchObject({ status: 200, body: { status: 'ok', service: 'baileys-whatsapp-multitenant', tenantsCount: 1 } });
  expect((await prefixed.legacy('GET', '/tenants')).status).toBe(404);
  const root = await prefixed.legacy('GET', '/health');
  expect(root).toMatchObject({ status: 200, body: { status: 'ok', activeClients: 0 } });
  expect(root.body).not.toHaveProperty('service');
});

it('answers no legacy path unless LEGACY_TENANT_API=on', async () => {
  for (const [method, path] of [['GET', '/tenants'], ['POST', '/tenants'], ['POST', '/send/1'], ['GET', '/status'], ['POST', '/clear-all'], ['GET', '/qr/1'], ['POST', '/webhook']] as const) {
    const res = await off.request(method, path, { token: null, body: method === 'POST' ? {} : undefined });
    expect([method, path, res.status]).toEqual([method, path, 404]);
  }
  expect(off.gateway.database.sqlite.prepare('SELECT count(*) AS n FROM compat_tenants').get()).toEqual({ n: 0 });
});
