/**
 * Reading the store: keyset pages that stay put while messages arrive, the inbox and full-text search across three
 * numbers of two users (nobody sees another user's messages; other users' ids answer 404), and bad input answered
 * with 400 and the field, never a 500 or an SQL error.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { childClient, pair, registerRunning } from '../realtime/sim.js';
import { chatsOf, deliver, messagesOf, type ChatsPage } from './store-helpers.js';

const ALICE_1 = '5511945000001';
const ALICE_2 = '5511945000002';
const BOB = '5511945000003';
const CUSTOMER = '5511977001234';
const CUSTOMER_JID = `${CUSTOMER}@s.whatsapp.net`;

let gw: TestGateway;
let alice: string;
let bob: string;

async function userToken(username: string): Promise<string> {
  expect((await gw.request('POST', '/api/users', { body: { username, password: `${username}-password` } })).status).toBe(201);
  return (await gw.request<{ token: string }>('POST', '/api/auth/login', { body: { username, password: `${username}-password` }, token: null })).body.token;
}

async function stored(phone: string, count: number, chat = CUSTOMER_JID): Promise<void> {
  await waitFor(async () => (await messagesOf(gw, phone, chat, 'limit=200')).data.length >= count, { what: `${count} messages in ${phone}` });
}

beforeAll(async () => {
  gw = await startTestGateway({ env: { HISTORY_SYNC_DAYS: '0' } });
  alice = await userToken('alice');
  bob = await userToken('bob');
  await registerRunning(gw, ALICE_1, alice);
  await registerRunning(gw, ALICE_2, alice);
  await registerRunning(gw, BOB, bob);
  for (const phone of [ALICE_1, ALICE_2, BOB]) await pair(gw, phone);
  await deliver(gw, ALICE_1, { from: CUSTOMER, from_name: 'Carla', body: 'I want a refund for order 77' });
  await deliver(gw, ALICE_2, { from: '5511977005678', from_name: 'Dora', body: 'refund status?' });
  await deliver(gw, ALICE_2, { type: 'document', from: '5511977005678', caption: 'refund receipt attached' });
  await deliver(gw, BOB, { from: CUSTOMER, from_name: 'Carla', body: 'bob private refund details' });
  await stored(ALICE_1, 1);
  await stored(ALICE_2, 2, '5511977005678@s.whatsapp.net');
  await stored(BOB, 1);
});
afterAll(async () => {
  await gw.close();
});

describe('tenancy', () => {
  it('shows each user only the chats of their own numbers in the inbox', async () => {
    const mine = await gw.request<ChatsPage>('GET', '/api/inbox', { token: alice });
    expect(mine.status).toBe(200);
    expect(new Set(mine.body.data.map((c) => c.phoneNumber))).toEqual(new Set([ALICE_1, ALICE_2]));
    expect(Object.keys(mine.body.asOf).sort()).toEqual([ALICE_1, ALICE_2]);
    const theirs = await gw.request<ChatsPage>('GET', '/api/inbox', { token: bob });
    expect(theirs.body.data.map((c) => c.phoneNumber)).toEqual([BOB]);
    // Asking for another user's number narrows to nothing rather than revealing it.
    const asked = await gw.request<ChatsPage>('GET', `/api/inbox?numbers=${BOB}`, { token: alice });
    expect(asked.body.data).toEqual([]);
    const admin = await gw.request<ChatsPage>('GET', '/api/inbox');
    expect(new Set(admin.body.data.map((c) => c.phoneNumber))).toEqual(new Set([ALICE_1, ALICE_2, BOB]));
  });

  it('searches only the caller\'s numbers, texts and captions alike, with highlighted snippets', async () => {
    const res = await gw.request<{ data: { message: { phoneNumber: string; text: string | null; media: unknown }; snippet: string; snippetText: string }[] }>(
      'GET',
      '/api/search/messages?q=refund',
      { token: alice },
    );
    expect(res.status).toBe(200);
    expect(res.body.data.map((h) => h.message.phoneNumber).sort()).toEqual([ALICE_1, ALICE_2, ALICE_2]);
    expect(res.body.data.map((h) => h.snippet).join(' ')).toContain('<mark>refund</mark>');
    expect(res.body.data.some((h) => h.message.media !== null && h.snippetText === 'refund receipt attached')).toBe(true);
    const bobs = await gw.request<{ data: { message: { phoneNumber: string; text: string } }[] }>('GET', '/api/search/messages?q=refund', { token: bob });
    expect(bobs.body.data.map((h) => h.message.text)).toEqual(['bob private refund details']);
  });

  it('answers 404 for another user\'s number, chat and message', async () => {
    const bobMessage = (await messagesOf(gw, BOB, CUSTOMER_JID)).data[0];
    const attempts: [string, string][] = [
      ['GET', `/api/devices/${BOB}/chats`],
      ['GET', `/api/devices/${BOB}/chats/${CUSTOMER_JID}`],
      ['GET', `/api/devices/${BOB}/chats/${CUSTOMER_JID}/messages`],
      ['POST', `/api/devices/${BOB}/chats/${CUSTOMER_JID}/read`],
      ['GET', `/api/devices/${BOB}/chats/sync`],
      ['POST', `/api/devices/${BOB}/chats/sync`],
      ['GET', `/api/messages/${bobMessage?.id}/media`],
    ];
    for (const [method, path] of attempts) {
      const res = await gw.request<{ error: { code: string } }>(method, path, { token: alice });
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    // Bob's chat still unread: Alice's read attempt changed nothing.
    expect((await chatsOf(gw, BOB)).data[0]?.unread).toBe(1);
  });

  it('counts unread chats and messages per number of the caller only, zeros included', async () => {
    type Unread = { numbers: { phoneNumber: string; chats: number; messages: number }[]; total: { chats: number; messages: number }; asOf: Record<string, number> };
    const mine = await gw.request<Unread>('GET', '/api/inbox/unread', { token: alice });
    expect(mine.status).toBe(200);
    expect([...mine.body.numbers].sort((a, b) => a.phoneNumber.localeCompare(b.phoneNumber))).toEqual([
      { phoneNumber: ALICE_1, chats: 1, messages: 1 },
      { phoneNumber: ALICE_2, chats: 1, messages: 2 },
    ]);
    expect(mine.body.total).toEqual({ chats: 2, messages: 3 });
    expect(Object.keys(mine.body.asOf).sort()).toEqual([ALICE_1, ALICE_2]);
    // Another user's number is left out, not reported.
    const asked = await gw.request<Unread>('GET', `/api/inbox/unread?numbers=${BOB},${ALICE_1}`, { token: alice });
    expect(asked.body.numbers.map((n) => n.phoneNumber)).toEqual([ALICE_1]);
    // Read, the number is still listed, with zeros.
    expect((await gw.request('POST', `/api/devices/${BOB}/chats/${CUSTOMER_JID}/read`, { token: bob })).status).toBe(200);
    const bobs = await gw.request<Unread>('GET', '/api/inbox/unread', { token: bob });
    expect(bobs.body).toMatchObject({ numbers: [{ phoneNumber: BOB, chats: 0, messages: 0 }], total: { chats: 0, messages: 0 } });
  });
});

describe('cursor pages', () => {
  const PHONE = ALICE_1;
  const texts = (page: { data: { text: string | null }[] }) => page.data.map((m) => m.text);

  it('stay stable while messages arrive, and `after` picks up exactly the new ones', async () => {
    await deliver(gw, PHONE, { from: CUSTOMER, body: 'page message', count: 30 });
    await stored(PHONE, 31);
    const first = await messagesOf(gw, PHONE, CUSTOMER_JID, 'limit=10');
    expect(first.page).toMatchObject({ hasBefore: true, hasAfter: false });
    await deliver(gw, PHONE, { from: CUSTOMER, body: 'arrived meanwhile', count: 5 });
    await stored(PHONE, 36);
    const second = await messagesOf(gw, PHONE, CUSTOMER_JID, `limit=10&before=${first.page.before}`);
    const firstIds = first.data.map((m) => m.id);
    expect(second.data).toHaveLength(10);
    expect(second.data.some((m) => firstIds.includes(m.id))).toBe(false);
    // The second page continues right below the first.
    const all = (await messagesOf(gw, PHONE, CUSTOMER_JID, 'limit=200')).data.map((m) => m.id);
    const at = all.indexOf(firstIds[9] ?? '');
    expect(second.data.map((m) => m.id)).toEqual(all.slice(at + 1, at + 11));
    const newer = await messagesOf(gw, PHONE, CUSTOMER_JID, `after=${first.page.after}`);
    expect(texts(newer)).toEqual(Array(5).fill('arrived meanwhile'));
    expect(newer.page.hasAfter).toBe(false);
    // Walking back to the beginning reaches the first message and says so.
    let page = second;
    while (page.page.hasBefore) page = await messagesOf(gw, PHONE, CUSTOMER_JID, `limit=10&before=${page.page.before}`);
    expect(page.data.at(-1)?.text).toBe('I want a refund for order 77');
  });

  it('centres a page on a message with around, and filters by direction, type and time', async () => {
    const all = (await messagesOf(gw, PHONE, CUSTOMER_JID, 'limit=200')).data;
    const middle = all[15];
    const around = await messagesOf(gw, PHONE, CUSTOMER_JID, `limit=5&around=${middle?.id}`);
    expect(around.data.map((m) => m.id)).toEqual(all.slice(13, 18).map((m) => m.id));
    expect((await messagesOf(gw, PHONE, CUSTOMER_JID, 'direction=out')).data).toEqual([]);
    expect((await messagesOf(gw, PHONE, CUSTOMER_JID, 'type=document')).data).toEqual([]);
    expect((await messagesOf(gw, PHONE, CUSTOMER_JID, 'hasMedia=false&limit=200')).data).toHaveLength(all.length);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await messagesOf(gw, PHONE, CUSTOMER_JID, `from=${future}`)).data).toEqual([]);
  });

  it('pages chat lists by last activity, a chat with a new message moving to the top', async () => {
    for (const n of [1, 2, 3, 4]) await deliver(gw, ALICE_2, { from: `551197711000${n}`, body: `chat ${n}` });
    await waitFor(async () => (await chatsOf(gw, ALICE_2)).data.length >= 5, { what: 'five chats' });
    const first = await chatsOf(gw, ALICE_2, 'limit=2');
    expect(first.data.map((c) => c.name ?? c.id)).toHaveLength(2);
    const rest = await chatsOf(gw, ALICE_2, `limit=10&before=${first.page.before}`);
    const ids = [...first.data, ...rest.data].map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(5);
    const oldest = rest.data.at(-1)?.id ?? '';
    await deliver(gw, ALICE_2, { from: oldest.split('@')[0], body: 'back again' });
    const top = await waitFor(async () => ((await chatsOf(gw, ALICE_2, 'limit=1')).data[0]?.id === oldest ? chatsOf(gw, ALICE_2, 'limit=1') : null), { what: 'the chat on top' });
    expect(top.data[0]).toMatchObject({ lastMessage: { preview: 'back again', direction: 'in' } });
    const unread = await chatsOf(gw, ALICE_2, 'unread=true');
    expect(unread.data.every((c) => c.unread > 0)).toBe(true);
  });
});

describe('read state', () => {
  it('clears unread in the store and tells WhatsApp through the child', async () => {
    const before = (await chatsOf(gw, ALICE_1)).data.find((c) => c.id === CUSTOMER_JID);
    expect(before?.unread).toBeGreaterThan(0);
    const res = await gw.request<{ chat: { unread: number }; whatsapp: { receipts: number; sent: number } }>('POST', `/api/devices/${ALICE_1}/chats/${CUSTOMER_JID}/read`, { token: alice });
    expect(res.status).toBe(200);
    expect(res.body.chat.unread).toBe(0);
    expect(res.body.whatsapp.sent).toBe(Math.min(before?.unread ?? 0, 50));
    const actions = await childClient(gw, ALICE_1).request<{ actions: { kind: string; chat_jid: string }[] }>('GET', '/_sim/actions?kind=read');
    expect(actions.results?.actions.length).toBe(res.body.whatsapp.sent);
    expect(actions.results?.actions.every((a) => a.chat_jid === CUSTOMER_JID)).toBe(true);
    expect((await chatsOf(gw, ALICE_1)).data.find((c) => c.id === CUSTOMER_JID)?.unread).toBe(0);
  });
});

describe('bad input', () => {
  const chat = `/api/devices/${ALICE_1}/chats/${CUSTOMER_JID}/messages`;
  const cases: [string, string, number, string][] = [
    ['limit 0', `${chat}?limit=0`, 400, 'limit'],
    ['negative limit', `${chat}?limit=-5`, 400, 'limit'],
    ['huge limit', `${chat}?limit=1000000`, 400, 'limit'],
    ['limit not a number', `${chat}?limit=ten`, 400, 'limit'],
    ['malformed cursor', `${chat}?before=%%%`, 400, 'before'],
    ['cursor of another list', `${chat}?before=Yw`, 400, 'before'],
    ['two starts', `${chat}?before=bQFh&after=bQFh`, 400, 'before'],
    ['unknown around', `${chat}?around=nope`, 400, 'around'],
    ['bad time', `${chat}?from=yesterday`, 400, 'from'],
    ['bad type', `${chat}?type=hologram`, 400, 'type'],
    ['bad chat id', `/api/devices/${ALICE_1}/chats/not%20a%20chat/messages`, 400, 'chatId'],
    ['unknown chat', `/api/devices/${ALICE_1}/chats/5511000000000@s.whatsapp.net/messages`, 404, ''],
    ['unknown number', `/api/devices/5511000000009/chats`, 404, ''],
    ['bad chat cursor', `/api/devices/${ALICE_1}/chats?before=bQFh`, 400, 'before'],
    ['bad inbox numbers', '/api/inbox?numbers=abc', 400, 'numbers'],
    ['no query', '/api/search/messages', 400, 'q'],
    ['unbalanced quote', `/api/search/messages?q=${encodeURIComponent('"refund please')}`, 400, 'q'],
    ['NEAR without )', `/api/search/messages?q=${encodeURIComponent('NEAR(refund')}`, 400, 'q'],
    ['a lone *', '/api/search/messages?q=*', 400, 'q'],
    ['dangling AND', `/api/search/messages?q=${encodeURIComponent('refund AND')}`, 400, 'q'],
    ['only punctuation', `/api/search/messages?q=${encodeURIComponent('!!! ???')}`, 400, 'q'],
    ['too long', `/api/search/messages?q=${'a'.repeat(201)}`, 400, 'q'],
    ['bad search cursor', '/api/search/messages?q=refund&before=bQFh', 400, 'before'],
  ];
  for (const [name, path, status, field] of cases) {
    it(`${name} → ${status}${field ? ` on ${field}` : ''}`, async () => {
      const res = await gw.request<{ error: { code: string; message: string; fields?: { field: string }[] } }>('GET', path, { token: alice });
      expect(res.status).toBe(status);
      if (field) expect(res.body.error.fields?.map((f) => f.field)).toContain(field);
      expect(JSON.stringify(res.body)).not.toMatch(/sqlite|fts5|SELECT/i);
    });
  }

  it('accepts the search syntax it documents', async () => {
    for (const q of ['refun*', '"refund for order"', 'refund OR status', 'refund NOT bob', '(refund OR invoice) order', 'NEAR(refund order, 3)', 'Refund', 'and or not']) {
      const res = await gw.request<{ data: unknown[] }>('GET', `/api/search/messages?q=${encodeURIComponent(q)}`, { token: alice });
      expect([q, res.status]).toEqual([q, 200]);
    }
    const phrase = await gw.request<{ data: unknown[] }>('GET', `/api/search/messages?q=${encodeURIComponent('"refund for order"')}`, { token: alice });
    expect(phrase.body.data).toHaveLength(1);
  });

  it('never answers 500 to any conversation route given junk parameters', async () => {
    const doc = await gw.request<{ paths: Record<string, Record<string, { tags: string[] }>> }>('GET', '/api-docs/openapi.json', { token: null });
    const routes = Object.entries(doc.body.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => op.tags.includes('conversations')).map(([method]) => [method, path] as const));
    expect(routes.length).toBeGreaterThanOrEqual(9);
    const junk = '?limit=-1&before=%00&after=x&around=&q=%22&from=x&to=x&type=x&numbers=x&merge=maybe&unread=x';
    for (const [method, path] of routes) {
      for (const filled of [path.replace('{phone}', ALICE_1).replace('{chatId}', 'x%00y').replace('{id}', 'x'), path.replace('{phone}', 'abc').replace('{chatId}', CUSTOMER_JID).replace('{id}', '%00')]) {
        const res = await gw.request(method.toUpperCase(), `${filled}${junk}`, { token: alice, body: method === 'post' ? { days: -1 } : undefined });
        expect([method, filled, res.status < 500]).toEqual([method, filled, true]);
      }
    }
  });
});
