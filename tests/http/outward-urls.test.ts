import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { INWARD_IPV4, INWARD_IPV6, ipv4Spellings, LOCAL_NAMES } from '../outward/spellings.js';
import { fetchDocument, fillPath, operations, propertiesOf, type Operation, type SchemaNode } from './openapi-walk.js';

/*
 * Every URL a tenant can give the gateway (any body field of format uri, straight from the OpenAPI document) is
 * refused with 400 naming the field when it points inward, in every spelling; administrators may point inward.
 * Only literals and local names are tried, so no DNS query leaves the machine.
 */
const TENANT_PHONE = '5511970000001';
let gw: TestGateway;
let tenant: string;
let ops: Operation[];
let fresh = 5511970000100;

beforeAll(async () => {
  gw = await startTestGateway();
  await gw.request('POST', '/api/users', { body: { username: 'tenant', password: 'tenant-password' } });
  tenant = (await gw.request<{ token: string }>('POST', '/api/auth/login', { body: { username: 'tenant', password: 'tenant-password' }, token: null })).body.token;
  expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: TENANT_PHONE, autoStart: false }, token: tenant })).status).toBe(201);
  ops = operations(await fetchDocument(gw.url));
});
afterAll(async () => {
  await gw.close();
});

const isUri = (s: SchemaNode): boolean => (s as { format?: string }).format === 'uri' || [...(s.anyOf ?? []), ...(s.oneOf ?? [])].some(isUri);

/** A body that passes everything but the URL: required fields filled by name, and the number to register. */
function baseBody(op: Operation, schema: SchemaNode): Record<string, unknown> {
  const values: Record<string, () => unknown> = { phoneNumber: () => String(fresh++), from: () => TENANT_PHONE, to: () => '5511888888888', message: () => 'hello' };
  const registers = op.method === 'POST' && op.path === '/api/devices';
  return Object.fromEntries(
    [...(schema.required ?? []), ...(registers ? ['phoneNumber'] : [])].map((name) => {
      const value = values[name];
      if (!value) throw new Error(`${op.method} ${op.path}: no value for required field ${name}; teach the test one`);
      return [name, value()];
    }),
  );
}

const inwardHosts = [
  ...Object.values(INWARD_IPV4).flatMap((addresses) => ipv4Spellings(addresses[0] ?? [127, 0, 0, 1])),
  ...INWARD_IPV6,
  ...LOCAL_NAMES,
  os.hostname(),
];

describe('URLs a tenant gives the gateway', () => {
  it('are refused when they point inward, for every URL field of every route, in every spelling', async () => {
    const urlFields = ops.flatMap((op) => {
      const schema = op.requestBody?.content['application/json']?.schema;
      return schema ? Object.entries(propertiesOf(schema)).filter(([, s]) => isUri(s)).map(([field]) => ({ op, schema, field })) : [];
    });
    expect(urlFields.map(({ op, field }) => `${op.method} ${op.path} ${field}`).sort()).toEqual(
      expect.arrayContaining(['PATCH /api/devices/{phone} webhookUrl', 'POST /api/devices webhookUrl', 'POST /api/messages/send-file fileUrl', 'POST /api/messages/send-image imageUrl']),
    );
    const devicesBefore = (await gw.request<{ total: number }>('GET', '/api/devices')).body.total;
    for (const { op, schema, field } of urlFields) {
      for (const host of inwardHosts) {
        const res = await gw.request<{ error: { fields: { field: string; message: string }[] } }>(op.method, fillPath(op, (name) => ({ phone: TENANT_PHONE })[name]), {
          body: { ...baseBody(op, schema), [field]: `http://${host}/hook?x=1` },
          token: tenant,
        });
        expect({ route: `${op.method} ${op.path}`, host, status: res.status, fields: res.body.error?.fields }).toEqual({
          route: `${op.method} ${op.path}`,
          host,
          status: 400,
          fields: [{ field, message: expect.stringMatching(/^must be a public address: (points at|resolves to) a non-public address \(/) }],
        });
      }
    }
    expect((await gw.request<{ total: number }>('GET', '/api/devices')).body.total).toBe(devicesBefore);
    expect((await gw.request<{ total: number }>('GET', '/api/messages')).body.total).toBe(0);
  });

  it('may point inward when an administrator gives them (they run the host)', async () => {
    const res = await gw.request<{ webhookUrl: string }>('PATCH', `/api/devices/${TENANT_PHONE}`, { body: { webhookUrl: 'http://[::ffff:7f00:1]:9/hook' } });
    expect(res.status).toBe(200);
    expect(res.body.webhookUrl).toBe('http://[::ffff:7f00:1]:9/hook');
  });
});
