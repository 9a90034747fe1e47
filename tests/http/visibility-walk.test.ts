import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeDataRoot, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { pair } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../realtime/socket-helpers.js';
import { fetchDocument, fillPath, operations, type Operation } from './openapi-walk.js';

/*
 * The visibility rule, walked over every GET route of the OpenAPI document (and the Socket.IO feed) as a user
 * with one number while another user and the admin have others: no answer may name a number that is not hers.
 * The numbers went through a boot restore, so the restore report, the health routes and the metrics all know
 * every number; a route added later is walked too.
 */
const ALICE = '5511980000001';
const BOB = ['5511980000011', '5511980000012'];
const ADMINS_OWN = '5511980000021';
const FOREIGN = [...BOB, ADMINS_OWN];

let gw: TestGateway;
let alice: string;
let socket: TestClient;
const ids: Record<string, string> = {};

async function login(gateway: TestGateway, username: string): Promise<string> {
  return (await gateway.request<{ token: string }>('POST', '/api/auth/login', { body: { username, password: `${username}-password` }, token: null })).body.token;
}

beforeAll(async () => {
  const dataRoot = makeDataRoot();
  const first = await startTestGateway({ dataRoot });
  for (const name of ['alice', 'bob']) await first.request('POST', '/api/users', { body: { username: name, password: `${name}-password` } });
  const owners: [string, string | null][] = [[ALICE, await login(first, 'alice')], ...BOB.map((p): [string, string] => [p, '']), [ADMINS_OWN, null]];
  const bob = await login(first, 'bob');
  for (const [phone, token] of owners) {
    const owner = token === '' ? bob : (token ?? undefined);
    expect((await first.request('POST', '/api/devices', { body: { phoneNumber: phone }, token: owner })).status).toBe(201);
    await pair(first, phone);
    // Every number gets a message and a webhook, so the message and delivery routes have something to show.
    expect((await first.request('POST', '/api/messages/send', { body: { from: phone, to: '5511777777777', message: 'hi' }, token: owner })).status).toBe(202);
    expect((await first.request('PATCH', `/api/devices/${phone}`, { body: { webhookUrl: `http://127.0.0.1:9/${phone}`, webhookEvents: ['device.*'] } })).status).toBe(200);
  }
  await first.close();

  gw = await startTestGateway({ dataRoot });
  expect(gw.gateway.supervisor.lastRestore.restored.sort()).toEqual([ALICE, ...FOREIGN].sort());
  alice = await login(gw, 'alice');
  socket = await connectClient(gw.url, alice);

  // Activity on every number while alice listens: restarts (feed closed/connected) and a crash (process-stopped).
  for (const phone of [ALICE, ...FOREIGN]) expect((await gw.request('POST', `/api/devices/${phone}/restart`)).status).toBe(200);
  const crashed = gw.gateway.supervisor.runner(BOB[0] ?? '')?.pid ?? -1;
  process.kill(crashed, 'SIGKILL');
  await waitFor(() => gw.gateway.supervisor.runner(BOB[0] ?? '')?.state === 'running' && gw.gateway.supervisor.runner(BOB[0] ?? '')?.pid !== crashed, { what: 'the crashed number back' });
  await socket.waitFor('container-websocket-connected', (d) => d.phoneNumber === ALICE);

  const mine = await gw.request<{ messages: { id: string }[] }>('GET', '/api/messages', { token: alice });
  ids['message'] = mine.body.messages[0]?.id ?? '';
  const deliveries = await waitFor(async () => (await gw.request<{ deliveries: { id: number }[] }>('GET', '/api/webhooks/deliveries', { token: alice })).body.deliveries[0], { what: "a delivery of alice's number" });
  ids['delivery'] = String(deliveries.id);
  // Her chat with the recipient of her message, from the conversation store.
  const chat = await waitFor(async () => (await gw.request<{ data: { id: string }[] }>('GET', `/api/devices/${ALICE}/chats`, { token: alice })).body.data[0], { what: "alice's chat in the store" });
  ids['chat'] = chat.id;
});
afterAll(async () => {
  socket?.close();
  await gw?.close();
});

/** Path parameters as alice may fill them: her number, message, delivery and chat, a path on her number's binary. */
function own(name: string, op: Operation): string | undefined {
  if (name === 'phone') return ALICE;
  if (name === 'id') return op.path.startsWith('/api/webhooks/deliveries') ? ids['delivery'] : ids['message'];
  if (name === 'path') return 'app/devices';
  if (name === 'chatId') return ids['chat'];
  return undefined;
}

const leaks = (text: string) => FOREIGN.filter((phone) => text.includes(phone));

describe('a user walking every GET route', () => {
  it('sees no number of anybody else, in any answer', async () => {
    const gets = operations(await fetchDocument(gw.url)).filter((op) => op.method === 'GET');
    expect(gets.length).toBeGreaterThan(15);
    const answers: Record<string, { status: number; text: string }> = {};
    for (const op of gets) {
      const base = fillPath(op, own);
      // Also with every filter that takes a number set to somebody else's.
      const filters = op.parameters.filter((p) => p.in === 'query' && ['from', 'phoneNumber'].includes(p.name));
      for (const url of [base, ...filters.flatMap((p) => FOREIGN.map((phone) => `${base}?${p.name}=${phone}`))]) {
        const res = await fetch(`${gw.url}${url}`, { headers: { authorization: `Bearer ${alice}` } });
        const text = await res.text();
        answers[url] = { status: res.status, text };
        expect({ url, status: res.status, leaks: leaks(text) }).toEqual({ url, status: res.status, leaks: [] });
        expect({ url, status: res.status < 500 }).toEqual({ url, status: true });
      }
    }
    // The walk saw her own number where the others would have been.
    for (const url of ['/api/devices', '/api/health/restore', '/api/health/devices', '/metrics']) {
      expect({ url, status: answers[url]?.status, hers: answers[url]?.text.includes(ALICE) }).toEqual({ url, status: 200, hers: true });
    }
  });

  it('is told a number of anybody else does not exist, on every route that takes one', async () => {
    const withPhone = operations(await fetchDocument(gw.url)).filter((op) => op.method === 'GET' && op.path.includes('{phone}'));
    expect(withPhone.length).toBeGreaterThan(5);
    for (const op of withPhone) {
      for (const phone of FOREIGN) {
        const url = fillPath(op, (name, o) => (name === 'phone' ? phone : own(name, o)));
        const res = await fetch(`${gw.url}${url}`, { headers: { authorization: `Bearer ${alice}` } });
        expect({ url, status: res.status }).toEqual({ url, status: 404 });
      }
    }
  });

  it('received no Socket.IO event about anybody else', () => {
    expect(socket.received.some((r) => JSON.stringify(r.data).includes(ALICE))).toBe(true);
    const foreign = socket.received.filter((r) => leaks(JSON.stringify(r.data)).length > 0);
    expect(foreign).toEqual([]);
  });

  it('while the administrator, walking the same routes, sees every number', async () => {
    const admin = await gw.token();
    for (const url of ['/api/devices', '/api/health/restore', '/api/health/devices', '/metrics']) {
      const text = await (await fetch(`${gw.url}${url}`, { headers: { authorization: `Bearer ${admin}` } })).text();
      expect({ url, missing: [ALICE, ...FOREIGN].filter((phone) => !text.includes(phone)) }).toEqual({ url, missing: [] });
    }
  });
});
