/**
 * Golden contract tests: one legacy request/answer pair per endpoint and case of the legacy tenant API
 * (tests/compat/golden/*.json, transcribed from the legacy contract: every status code, key and Portuguese
 * message), replayed against our layer with stand-in children. Keys, statuses and messages must match; fields of
 * ours may be added. Three gateways: the defaults, LEGACY_TENANT_AUTO_CREATE, COMPAT_QUEUE_WHILE_DISCONNECTED.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fill, mismatches } from './golden-match.js';
import { FlaskReceiver, numberOf, scan, startCompatGateway, type CompatGateway } from './support.js';

interface GoldenCase {
  case: string;
  gateway?: 'auto-create' | 'queue';
  given: 'none' | 'pending' | 'connected' | 'hung';
  fresh?: boolean;
  request: { method: string; path: string; body?: unknown; raw?: string; headers?: Record<string, string> };
  response: { status: number; body?: unknown };
}
interface GoldenFile {
  endpoint: string;
  cases: GoldenCase[];
}

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
/** /clear-all stops every tenant of its gateway: it goes last. */
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort((a, b) => Number(a === 'clear-all.json') - Number(b === 'clear-all.json') || a.localeCompare(b))
  .map((f) => ({ name: f, golden: JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as GoldenFile }));

const flask = new FlaskReceiver();
const gateways = new Map<string, CompatGateway>();
let nextId = 100;
let nextPhone = 5511960000100;
const shared = new Map<string, string>();

beforeAll(async () => {
  await flask.start();
  // A hung child must stay hung (no health-check restart) for the QR timeouts to be seen.
  const base = { FLASK_URL: flask.url, HEALTH_CHECK_FAILURES: '100000' };
  const [plain, auto, queue] = await Promise.all([
    startCompatGateway(base),
    startCompatGateway({ ...base, LEGACY_TENANT_AUTO_CREATE: 'true' }),
    startCompatGateway({ ...base, COMPAT_QUEUE_WHILE_DISCONNECTED: 'true' }),
  ]);
  gateways.set('default', plain).set('auto-create', auto).set('queue', queue);
}, 60_000);
afterAll(async () => {
  await Promise.all([...gateways.values()].map((gw) => gw.close()));
  await flask.stop();
}, 60_000);

async function tenantFor(gw: CompatGateway, name: string, c: GoldenCase): Promise<string> {
  const key = `${name}:${c.given}`;
  const reuse = !c.fresh && c.given !== 'hung' && c.given !== 'none';
  const known = reuse ? shared.get(key) : undefined;
  if (known) return known;
  const id = String(nextId++);
  if (c.given !== 'none') {
    const created = await gw.legacy('POST', '/tenants', { tenantId: id });
    expect(created.status).toBe(200);
  }
  if (c.given === 'connected') await scan(gw, id, String(nextPhone++));
  if (c.given === 'hung') await gw.gateway.supervisor.runner(numberOf(gw, id))?.client?.request('POST', '/_sim/hang');
  if (reuse) shared.set(key, id);
  return id;
}

describe.each(files)('$name', ({ name, golden }) => {
  it.each(golden.cases)(`${golden.endpoint}: $case`, async (c) => {
    const gw = gateways.get(c.gateway ?? 'default');
    if (!gw) throw new Error('no gateway');
    const id = await tenantFor(gw, c.gateway ?? 'default', c);
    const tenantsCount = String(((await gw.legacy<{ tenants: unknown[] }>('GET', '/tenants')).body.tenants ?? []).length);
    const vars = { id, tenantsCount };
    const request = fill(c.request, vars);
    const res = await gw.request(request.method, request.path, {
      token: null,
      headers: request.headers ?? {},
      ...(request.raw !== undefined ? { raw: request.raw } : request.body !== undefined ? { body: request.body } : {}),
    });
    const expected = fill(c.response, vars);
    expect({ status: res.status, problems: expected.body === undefined ? [] : mismatches(expected.body, res.body) }).toEqual({ status: expected.status, problems: [] });
    void name;
  }, 40_000);
});
