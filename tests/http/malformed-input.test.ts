import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { fetchDocument, fillPath, operations, propertiesOf, typesOf, type Operation, type SchemaNode } from './openapi-walk.js';

/*
 * Every route with a body, straight from /api-docs/openapi.json: malformed, mistyped and unknown input is a 400
 * with a code and the field named, never a 500, and nothing is written. A route added later is swept too.
 */
const PHONE = '5511960000001';
let gw: TestGateway;
let ops: Operation[];
let client = 0;

beforeAll(async () => {
  // A documentation address per request (TRUST_PROXY=1; each its own /56), so the login throttle does not slow the sweep.
  gw = await startTestGateway({ env: { TRUST_PROXY: '1' } });
  expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: PHONE, autoStart: false } })).status).toBe(201);
  ops = operations(await fetchDocument(gw.url));
});
afterAll(async () => {
  await gw.close();
});

/** Well-formed path values (teach a new one here; an API key id is 8 base32 characters). */
const PATH_VALUES: Record<string, string> = { phone: PHONE, id: '1', userId: '1', chatId: '5511888888888@s.whatsapp.net', hookId: 'no-such-hook' };
const pathValue = (name: string, op: Operation) => (name === 'id' && op.path.startsWith('/api/keys') ? 'aaaaaaaa' : PATH_VALUES[name]);
const url = (op: Operation) => fillPath(op, pathValue);
/** Signed webhooks (Chatwoot's) are checked against their signature before their bytes are read: tests/chatwoot. */
const withBody = () => ops.filter((op) => op.requestBody && !op['x-signed-body']);
const count = (table: string) => (gw.gateway.database.sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
const tmpFiles = () => {
  const dir = path.join(gw.config.paths.data, 'outbox', 'tmp');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};
/** Upload temp files go when the response has ended (a moment after the client read it). */
const noTmpFiles = () => waitFor(() => tmpFiles().length === 0, { timeoutMs: 2000, what: `no upload temp files (left: ${tmpFiles().join(', ')})` });

interface ErrorAnswer {
  error: { code: string; message: string; fields?: { field: string; message: string }[] };
}

async function send(op: Operation, raw: string | Buffer, contentType: string) {
  client++;
  const res = await gw.request<ErrorAnswer>(op.method, url(op), {
    raw,
    // The dashboard's cookie routes ask for their CSRF header before they read a body: this is a legitimate client.
    headers: { 'content-type': contentType, 'x-forwarded-for': `2001:db8:${client.toString(16)}::1`, 'x-dashboard-request': '1' },
  });
  return res;
}

/** A 400 with the envelope; `field` must be among the named fields when given. */
function expectRefused(res: { status: number; body: ErrorAnswer }, code: string, field?: string): void {
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code });
  expect(typeof res.body.error.message).toBe('string');
  if (field !== undefined) expect(res.body.error.fields?.map((f) => f.field)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${field}(\\.|$)`))]));
}

/** Values of every JSON type; each property is sent those its schema does not accept. */
const SAMPLES: [string, unknown][] = [
  ['boolean', true],
  ['integer', 60],
  ['number', 1.5],
  ['string', '60'],
  ['array', [60]],
  ['object', { value: 60 }],
  ['null', null],
];
const accepts = (types: string[], kind: string) => types.includes(kind) || (kind === 'integer' && types.includes('number'));

describe('the OpenAPI document', () => {
  it('lists routes with bodies, each closed to unknown fields', () => {
    expect(withBody().length).toBeGreaterThanOrEqual(8);
    for (const op of withBody()) {
      const schema = op.requestBody?.content['application/json']?.schema as SchemaNode;
      const closed = [schema, ...(schema.anyOf ?? [])].filter((s) => s.properties).every((s) => s.additionalProperties === false);
      expect({ route: `${op.method} ${op.path}`, closed }).toEqual({ route: `${op.method} ${op.path}`, closed: true });
    }
  });
});

describe('every route with a JSON body', () => {
  it('refuses a body that is not JSON, or not an object, with 400', async () => {
    for (const op of withBody()) {
      for (const raw of ['{"from": "55', 'not json at all', '"a string"', 'null', '42']) expectRefused(await send(op, raw, 'application/json'), 'MALFORMED_BODY');
      for (const raw of ['[]', '[{"from": "x"}]']) expectRefused(await send(op, raw, 'application/json'), 'VALIDATION_FAILED', 'body');
      expectRefused(await send(op, '{"from": "5511960000001"}', 'text/plain'), 'VALIDATION_FAILED', 'body');
    }
  });

  it('refuses an unknown field, naming it', async () => {
    for (const op of withBody()) {
      const res = await send(op, JSON.stringify({ unexpectedField: 1 }), 'application/json');
      expectRefused(res, 'VALIDATION_FAILED', 'unexpectedField');
      expect(res.body.error.fields).toContainEqual({ field: 'unexpectedField', message: 'is not a known field' });
    }
  });

  it('refuses every value of the wrong JSON type, for every documented field, naming the field (no coercion)', async () => {
    let checked = 0;
    for (const op of withBody()) {
      const schema = op.requestBody?.content['application/json']?.schema as SchemaNode;
      for (const [name, property] of Object.entries(propertiesOf(schema))) {
        const types = typesOf(property);
        expect({ route: `${op.method} ${op.path}`, name, types: types.length > 0 }).toEqual({ route: `${op.method} ${op.path}`, name, types: true });
        const wrong = SAMPLES.filter(([kind]) => !accepts(types, kind)).map(([, v]) => v);
        if (types.includes('array') && typesOf(property.items ?? {}).includes('string')) wrong.push([42]);
        for (const value of wrong) {
          const res = await send(op, JSON.stringify({ [name]: value }), 'application/json');
          expect({ route: `${op.method} ${op.path}`, value, status: res.status }).toEqual({ route: `${op.method} ${op.path}`, value, status: 400 });
          expectRefused(res, 'VALIDATION_FAILED', name);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('every route that also takes multipart/form-data', () => {
  const B = 'sweep-boundary';
  const part = (name: string, value: string) => `--${B}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const filePart = (name: string) => `--${B}\r\nContent-Disposition: form-data; name="${name}"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n${'\u0089PNG'.padEnd(64 * 1024, 'x')}\r\n`;
  const multipartOps = () => withBody().filter((op) => op.requestBody?.content['multipart/form-data']);
  const fileField = (op: Operation) => Object.entries(op.requestBody?.content['multipart/form-data']?.schema.properties ?? {}).find(([, s]) => (s as { format?: string }).format === 'binary')?.[0] ?? '';

  it('exist', () => {
    expect(multipartOps().map((op) => op.path).sort()).toEqual(['/api/messages/send-file', '/api/messages/send-image']);
  });

  it('refuses a form the parser cannot read with 400 MALFORMED_BODY and keeps nothing on disk', async () => {
    for (const op of multipartOps()) {
      const file = fileField(op);
      const cases: [string, string, string][] = [
        ['no boundary', 'multipart/form-data', `${part('from', PHONE)}--${B}--\r\n`],
        ['not multipart at all', `multipart/form-data; boundary=${B}`, 'just some text, no parts'],
        ['a form that never ends', `multipart/form-data; boundary=${B}`, `${part('from', PHONE)}${filePart(file)}`],
        ['a malformed part header', `multipart/form-data; boundary=${B}`, `--${B}\r\nContent-Disposition form-data name from\r\n\r\nx\r\n--${B}--\r\n`],
        ['a part header that never ends', `multipart/form-data; boundary=${B}`, `--${B}\r\nContent-Disposition: form-data; name="from"`],
      ];
      for (const [label, type, raw] of cases) {
        const res = await send(op, raw, type);
        expect({ route: op.path, label, status: res.status }).toEqual({ route: op.path, label, status: 400 });
        expectRefused(res, 'MALFORMED_BODY');
        await noTmpFiles();
      }
    }
  });

  it('converts text fields strictly to the documented types and names what it refuses', async () => {
    for (const op of multipartOps()) {
      const file = fileField(op);
      const schema = op.requestBody?.content['multipart/form-data']?.schema as SchemaNode;
      const cases: [string, string][] = [[`${part('unexpectedField', '1')}`, 'unexpectedField'], [filePart('not-the-file-field'), 'not-the-file-field']];
      for (const [name, property] of Object.entries(propertiesOf(schema))) {
        const types = typesOf(property);
        if (types.includes('integer') || types.includes('number')) for (const junk of ['1e3x', '0x10', '', ' 5', '5.5.5']) cases.push([part(name, junk), name]);
        if (types.includes('integer')) cases.push([part(name, '1.5'), name]);
        if (types.includes('boolean')) for (const junk of ['yes', '1', 'TRUE', '']) cases.push([part(name, junk), name]);
        if (types.includes('integer') || types.includes('boolean')) cases.push([part(name, '1') + part(name, '2'), name]);
      }
      expect(cases.length).toBeGreaterThan(8);
      for (const [parts, field] of cases) {
        const res = await send(op, `${part('from', PHONE)}${part('to', '5511888888888')}${parts}${filePart(file)}--${B}--\r\n`, `multipart/form-data; boundary=${B}`);
        expect({ route: op.path, field, status: res.status }).toEqual({ route: op.path, field, status: 400 });
        expectRefused(res, 'VALIDATION_FAILED', field);
        await noTmpFiles();
      }
    }
  });
});

describe('every typed query and path parameter', () => {
  it('is converted from text strictly: junk, exponents, hex and repeats are refused, naming the parameter', async () => {
    let checked = 0;
    for (const op of ops.filter((o) => !o.tags.includes('proxy'))) {
      for (const param of op.parameters) {
        const types = typesOf(param.schema);
        const junk = types.includes('integer') ? ['1e3x', '1e3', '0x10', '', '1.5', '-', '99999999999999999999'] : types.includes('boolean') ? ['yes', '1', 'TRUE', ''] : [];
        // An empty path segment is another route (the list), so '' is only tried in the query.
        const values = param.in === 'query' ? [...junk, ...(junk.length > 0 ? [['1', '2']] : [])] : junk.filter((v) => v !== '');
        for (const value of values) {
          const filled = fillPath(op, (name, o) => (param.in === 'path' && name === param.name ? String(value) : pathValue(name, o)));
          const query = param.in === 'query' ? `?${(Array.isArray(value) ? value : [value]).map((v) => `${param.name}=${encodeURIComponent(v)}`).join('&')}` : '';
          const res = await gw.request<ErrorAnswer>(op.method, `${filled}${query}`, { headers: { 'x-forwarded-for': `2001:db8:${(++client).toString(16)}::1` } });
          expect({ route: `${op.method} ${op.path}`, param: param.name, value, status: res.status }).toEqual({ route: `${op.method} ${op.path}`, param: param.name, value, status: 400 });
          expectRefused(res, 'VALIDATION_FAILED', param.name);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });
});

describe('every route without a body', () => {
  it('refuses one (except the proxy, which streams to the child untouched)', async () => {
    const bodiless = ops.filter((op) => !op.requestBody && op.method !== 'GET' && !op.tags.includes('proxy'));
    expect(bodiless.length).toBeGreaterThanOrEqual(8);
    for (const op of bodiless) {
      const res = await send(op, JSON.stringify({ unexpected: true }), 'application/json');
      expect({ route: `${op.method} ${op.path}`, status: res.status }).toEqual({ route: `${op.method} ${op.path}`, status: 400 });
      expect(res.body.error.fields).toEqual([{ field: 'body', message: 'this route takes no body' }]);
    }
  });
});

describe('after the sweep', () => {
  it('nothing was written: one number, no message, no new account', () => {
    expect({ devices: count('devices'), messages: count('messages'), users: count('users') }).toEqual({ devices: 1, messages: 0, users: 1 });
    expect(gw.gateway.supervisor.runner(PHONE)?.state).toBe('stopped');
  });
});
