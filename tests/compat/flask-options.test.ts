/**
 * The Flask webhook beyond the defaults: groups and media by flag (the relay's field names), empresa_id typed per
 * tenant or by COMPAT_EMPRESA_ID_TYPE, a tenant's own Flask URL, the relay, dead letters and their replay, and a
 * gateway restart while Flask is down.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeDataRoot } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { FlaskReceiver, incoming, scan, startCompatGateway, type CompatGateway } from './support.js';

const dataRoot = makeDataRoot();
const env = { FLASK_WEBHOOK_GROUPS: 'true', FLASK_WEBHOOK_MEDIA: 'true', COMPAT_EMPRESA_ID_TYPE: 'number', WEBHOOK_RETRY_PERIOD: '1500' };
let gw: CompatGateway;
const flask = new FlaskReceiver();
const own = new FlaskReceiver();

beforeAll(async () => {
  await flask.start();
  await own.start();
  gw = await startCompatGateway({ ...env, FLASK_URL: flask.url }, dataRoot);
  expect((await gw.legacy('POST', '/tenants', { tenantId: 7 })).status).toBe(200);
  await scan(gw, '7', '5511963000007');
});
afterAll(async () => {
  await gw?.close();
  await flask.stop();
  await own.stop();
});

const after = async (receiver: FlaskReceiver, before: number, count: number) => {
  await waitFor(() => receiver.hits.length >= before + count, { what: `${count} webhooks` });
  return receiver.hits.slice(before).map((h) => h.body);
};

describe('flags and types', () => {
  it('adds groups (with the participant) and media (Portuguese types, media_url, media_filename); empresa_id as a number', async () => {
    const before = flask.hits.length;
    await incoming(gw, '7', { chat_id: '120363000000000007@g.us', from: '5511987000001', from_name: 'Ana', body: 'bom dia grupo' });
    await incoming(gw, '7', { from: '5511987000002', from_name: 'Bia', type: 'image', caption: 'foto' });
    await incoming(gw, '7', { from: '5511987000002', from_name: 'Bia', type: 'document', filename: 'contrato.pdf' });
    await incoming(gw, '7', { from: '5511987000002', from_name: 'Bia', body: 'texto' });
    // Each arrives when its child's webhook does (a media message may come after a later text): found by content.
    const hits = await after(flask, before, 4);
    const find = (match: (b: Record<string, unknown>) => boolean) => hits.find(match);
    const group = find((b) => b['phone'] === '120363000000000007@g.us');
    const image = find((b) => b['message_type'] === 'imagem');
    const document = find((b) => b['message_type'] === 'documento');
    const text = find((b) => b['message'] === 'texto');
    expect(group).toEqual({ phone: '120363000000000007@g.us', participant: '5511987000001', profile_name: 'Ana', message: 'bom dia grupo', message_type: 'texto', empresa_id: 7, media_url: null, media_filename: null });
    expect(image).toMatchObject({ phone: '5511987000002', message: 'foto', message_type: 'imagem', empresa_id: 7, profile_name: 'Bia', media_url: expect.stringMatching(new RegExp(`^${gw.url}/api/messages/[^/]+/media$`)) });
    // With auto-download on, the binary reports a document by its stored path only: no original file name to give.
    expect(document).toMatchObject({ message_type: 'documento', media_filename: null, media_url: expect.any(String) });
    expect(text).toEqual({ phone: '5511987000002', message: 'texto', message_type: 'texto', empresa_id: 7, media_url: null, media_filename: null, profile_name: 'Bia' });
  });

  it('sends a tenant with its own Flask URL and empresa_id type there, not to FLASK_URL', async () => {
    const created = await gw.legacy('POST', '/tenants', { tenantId: 'acme', flaskUrl: own.url, empresaIdType: 'string' });
    expect(created.status).toBe(200);
    await scan(gw, 'acme', '5511963000008');
    const [mine, global] = [own.hits.length, flask.hits.length];
    await incoming(gw, 'acme', { from: '5511987000003', body: 'para a acme' });
    expect(await after(own, mine, 1)).toEqual([expect.objectContaining({ phone: '5511987000003', message: 'para a acme', empresa_id: 'acme' })]);
    expect(flask.hits.length).toBe(global);
  });

  it('refuses a numeric empresa_id type for an id that is not a number, with nothing created', async () => {
    const res = await gw.legacy('POST', '/tenants', { tenantId: 'beta', empresaIdType: 'number' });
    expect(res).toMatchObject({ status: 400, body: { error: 'tenantId é obrigatório', field: 'tenantId' } });
    expect((await gw.legacy('GET', '/tenants/beta/status')).status).toBe(404);
  });

  it('relays POST /webhook to Flask with the fields as they came', async () => {
    const before = flask.hits.length;
    const res = await gw.legacy('POST', '/webhook', { phone: '5511987000009', message: 'pelo relay', profile_name: 'Caio', empresa_id: 7 });
    expect(res).toMatchObject({ status: 200, body: { success: true, message: 'Webhook processado com sucesso' } });
    expect(await after(flask, before, 1)).toEqual([{ phone: '5511987000009', message: 'pelo relay', message_type: 'texto', profile_name: 'Caio', empresa_id: 7 }]);
  });
});

describe('two writers, one lane', () => {
  it('delivers relayed posts and incoming texts written while one is on the wire, each once, in the order stored', async () => {
    const before = flask.hits.length;
    flask.hold = (body) => body['message'] === 'na linha';
    await incoming(gw, '7', { from: '5511987000010', body: 'na linha' });
    await waitFor(() => flask.holding === 1, { what: 'the first post on the wire' });
    // The lane now holds in memory every row it knows of; the relay writes its rows itself, the store's subscriber
    // in the event's transaction: each must reach the dispatcher, or it would never be sent.
    const relay = (message: string) => gw.legacy('POST', '/webhook', { phone: '5511987000011', message, empresa_id: 7 });
    expect((await relay('relay 1')).status).toBe(200);
    await incoming(gw, '7', { from: '5511987000010', body: 'texto 2' });
    await waitFor(() => gw.gateway.database.sqlite.prepare("SELECT 1 FROM webhook_deliveries WHERE scope = 'compat' AND body LIKE '%texto 2%'").get(), { what: 'the text stored' });
    expect((await relay('relay 3')).status).toBe(200);
    flask.release();
    await after(flask, before, 4);
    const open = () => (gw.gateway.database.sqlite.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE scope = 'compat' AND status IN ('pending', 'failed')").get() as { n: number }).n;
    await waitFor(() => open() === 0, { what: 'every Flask delivery settled' });
    expect(flask.hits.slice(before).map((h) => h.body['message'])).toEqual(['na linha', 'relay 1', 'texto 2', 'relay 3']);
  });
});

describe('Flask down', () => {
  it('dead-letters after the retry period; a replay delivers it once', async () => {
    await flask.stop();
    const before = flask.hits.length;
    await incoming(gw, '7', { from: '5511987000004', body: 'perdida?' });
    const dead = await waitFor(
      () => gw.gateway.database.sqlite.prepare("SELECT id FROM webhook_deliveries WHERE scope = 'compat' AND status = 'dead' AND body LIKE '%perdida?%'").get() as { id: number } | undefined,
      { what: 'a dead letter', timeoutMs: 15_000 },
    );
    await flask.start();
    const list = await gw.request<{ deliveries: { id: number; scope: string; status: string }[] }>('GET', '/api/webhooks/deliveries?status=dead');
    expect(list.body.deliveries).toEqual(expect.arrayContaining([expect.objectContaining({ id: dead.id, scope: 'compat', status: 'dead' })]));
    expect((await gw.request('POST', `/api/webhooks/deliveries/${dead.id}/replay`)).status).toBe(200);
    expect(await after(flask, before, 1)).toEqual([expect.objectContaining({ message: 'perdida?' })]);
  }, 30_000);

  it('keeps what Flask has not taken across a gateway restart', async () => {
    await flask.stop();
    const before = flask.hits.length;
    await incoming(gw, '7', { from: '5511987000005', body: 'antes do restart' });
    await waitFor(() => gw.gateway.database.sqlite.prepare("SELECT 1 FROM webhook_deliveries WHERE scope = 'compat' AND body LIKE '%antes do restart%'").get(), { what: 'stored' });
    await gw.close();
    await flask.start();
    gw = await startCompatGateway({ ...env, FLASK_URL: flask.url }, dataRoot);
    expect(await after(flask, before, 1)).toEqual([expect.objectContaining({ message: 'antes do restart' })]);
    // The tenant and its session came back with the gateway: connected without a new QR code.
    await waitFor(async () => (await gw.legacy<{ tenant: { connected: boolean } }>('GET', '/tenants/7/status')).body.tenant.connected, { what: 'connected after restart' });
    expect(flask.hits.filter((h) => h.body['message'] === 'antes do restart')).toHaveLength(1);
  }, 60_000);
});
