/**
 * FC-1 and FC-2: token headers, the real 401/404 bodies in the real order, bot and agent restrictions,
 * 200 for every creation, Rails' 404/400 pages, per-account id counters and display ids.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cleanupFakeChatwoots, startFakeChatwoot, type FakeChatwoot } from '../helpers/fake-chatwoot.js';
import { A, conversationFor, seed } from './support.js';

let cw: FakeChatwoot;

beforeAll(async () => {
  cw = await startFakeChatwoot({ seed: seed() });
});
afterAll(cleanupFakeChatwoots);

const DEVISE = { errors: ['You need to sign in or sign up before continuing.'] };
const INVALID = { error: 'Invalid Access Token' };
const NOT_MEMBER = { error: 'You are not authorized to access this account' };
const NOT_FOUND = { error: 'Resource could not be found' };
const PUNDIT = { error: 'You are not authorized to do this action' };
const BOTS = { error: 'Access to this endpoint is not authorized for bots' };

describe('FC-1 authentication, in the order of the real before_actions', () => {
  it.each([
    ['no token', null, 1, 401, DEVISE],
    ['blank token', '   ', 1, 401, DEVISE],
    ['unknown token', 'nope', 1, 401, INVALID],
    ['unknown token on an unknown account (token checked first)', 'nope', 999, 401, INVALID],
    ['valid token, unknown account', 'admin-token', 999, 404, NOT_FOUND],
    ['valid token, non-numeric account', 'admin-token', 'abc', 404, NOT_FOUND],
    ['valid token, another account', 'other-token', 1, 401, NOT_MEMBER],
    ['bot token on a route bots may not call', 'bot-token', 1, 401, BOTS],
    ['valid admin token', 'admin-token', 1, 200, undefined],
  ])('%s', async (_name, token, account, status, body) => {
    const res = await cw.api('GET', `/api/v1/accounts/${account}/inboxes`, undefined, { token });
    expect(res.status).toBe(status);
    if (body) expect(res.json).toEqual(body);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it.each(['api_access_token', 'api-access-token'] as const)('accepts the token in %s', async (tokenHeader) => {
    const res = await cw.api('GET', `${A}/inboxes`, undefined, { tokenHeader });
    expect(res.status).toBe(200);
    const logged = (await cw.requests('inboxes.index')).at(-1);
    expect(logged?.token_header).toBe(tokenHeader);
  });

  it('a bot token may call the routes bots are allowed (conversation show, message create)', async () => {
    const { conversationId } = await conversationFor(cw);
    expect((await cw.api('GET', `${A}/conversations/${conversationId}`, undefined, { token: 'bot-token' })).status).toBe(200);
    const posted = await cw.api<{ sender: { type: string; id: number } }>('POST', `${A}/conversations/${conversationId}/messages`, { content: 'beep' }, { token: 'bot-token' });
    expect(posted.status).toBe(200);
    expect(posted.json.sender).toMatchObject({ type: 'agent_bot', id: 1 });
    expect((await cw.api('GET', `${A}/contacts/search?q=a`, undefined, { token: 'bot-token' })).json).toEqual(BOTS);
  });

  it('GET /api/v1/profile shows the user and its accounts; a bot token is refused', async () => {
    const me = await cw.api<Record<string, unknown>>('GET', '/api/v1/profile', undefined, { token: 'agent-token' });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ id: 2, name: 'Bob Agent', email: 'bob@acme.test', accounts: [{ id: 1, name: 'Acme Support', role: 'agent' }] });
    expect((await cw.api('GET', '/api/v1/profile', undefined, { token: 'bot-token' })).json).toEqual(BOTS);
  });
});

describe('FC-1 Pundit denials are 401, agents see only their inboxes', () => {
  it.each([
    ['create an inbox', 'POST', `${A}/inboxes`, { name: 'X', channel: { type: 'api' } }],
    ['update an inbox', 'PATCH', `${A}/inboxes/1`, { channel: { webhook_url: 'http://x.test/' } }],
    ['list account webhooks', 'GET', `${A}/webhooks`, undefined],
    ['create an account webhook', 'POST', `${A}/webhooks`, { webhook: { url: 'http://x.test/', subscriptions: ['message_created'] } }],
  ])('an agent may not %s', async (_name, method, path, body) => {
    const res = await cw.api(method, path, body, { token: 'agent-token' });
    expect(res.status).toBe(401);
    expect(res.json).toEqual(PUNDIT);
  });

  it('an agent who is not a member of the inbox cannot see it or its conversations', async () => {
    const { conversationId } = await conversationFor(cw);
    const list = await cw.api<{ payload: unknown[] }>('GET', `${A}/inboxes`, undefined, { token: 'nomember-token' });
    expect(list.json.payload).toEqual([]);
    expect((await cw.api('GET', `${A}/inboxes/1`, undefined, { token: 'nomember-token' })).json).toEqual(PUNDIT);
    expect((await cw.api('GET', `${A}/conversations/${conversationId}`, undefined, { token: 'nomember-token' })).json).toEqual(PUNDIT);
    expect((await cw.api('GET', `${A}/conversations/${conversationId}`, undefined, { token: 'agent-token' })).status).toBe(200);
  });

  it('hmac_token and secret are in the inbox JSON for administrators only', async () => {
    const admin = await cw.api<Record<string, unknown>>('GET', `${A}/inboxes/1`);
    const agent = await cw.api<Record<string, unknown>>('GET', `${A}/inboxes/1`, undefined, { token: 'agent-token' });
    expect(admin.json).toMatchObject({ id: 1, channel_type: 'Channel::Api', secret: 'inbox-1-signing-secret', hmac_token: expect.any(String) });
    expect(agent.json).not.toHaveProperty('secret');
    expect(agent.json).not.toHaveProperty('hmac_token');
    expect(agent.json.inbox_identifier).toBe(admin.json.inbox_identifier);
  });
});

describe('FC-1 unknown ids are 404 "Resource could not be found" on every id-taking route', () => {
  it.each([
    ['GET', `${A}/contacts/999999`],
    ['PATCH', `${A}/contacts/999999`],
    ['GET', `${A}/contacts/999999/conversations`],
    ['POST', `${A}/contacts/999999/contact_inboxes`],
    ['GET', `${A}/conversations/999999`],
    ['GET', `${A}/conversations/999999/messages`],
    ['POST', `${A}/conversations/999999/messages`],
    ['POST', `${A}/conversations/999999/toggle_status`],
    ['PATCH', `${A}/conversations/999999/messages/1`],
    ['DELETE', `${A}/conversations/999999/messages/1`],
    ['GET', `${A}/inboxes/999999`],
    ['PATCH', `${A}/webhooks/999999`],
    ['GET', `${A}/inboxes/3`],
    ['POST', '/public/api/v1/inboxes/no-such-identifier/contacts'],
  ])('%s %s', async (method, path) => {
    const res = await cw.api(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
    expect(res.status).toBe(404);
    expect(res.json).toEqual(NOT_FOUND);
  });

  it('an unknown route is Rails\' 404 page (JSON when asked, HTML otherwise), never a 405', async () => {
    const asJson = await cw.api('DELETE', `${A}/inboxes`, undefined, { headers: { Accept: 'application/json' } });
    expect(asJson.status).toBe(404);
    expect(asJson.json).toEqual({ status: 404, error: 'Not Found' });
    const asHtml = await cw.api('GET', '/api/v2/nothing');
    expect(asHtml.status).toBe(404);
    expect(asHtml.headers.get('content-type')).toContain('text/html');
  });

  it('a malformed JSON body is a 400', async () => {
    const res = await cw.api('POST', `${A}/contacts`, undefined, { raw: '{"name":', headers: { 'Content-Type': 'application/json', Accept: 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ status: 400, error: 'Bad Request' });
  });
});

describe('FC-1 every success is 200, creations included', () => {
  it('contact, conversation, message, inbox, webhook, contact_inbox creation all answer 200', async () => {
    const { contactId, conversationId } = await conversationFor(cw);
    const results = await Promise.all([
      cw.api('POST', `${A}/conversations/${conversationId}/messages`, { content: 'x' }),
      cw.api('POST', `${A}/inboxes`, { name: 'New API inbox', channel: { type: 'api', webhook_url: '' } }),
      cw.api('POST', `${A}/webhooks`, { webhook: { url: `http://hooks.test/${Date.now()}`, subscriptions: ['message_created'] } }),
      cw.api('POST', `${A}/contacts/${contactId}/contact_inboxes`, { inbox_id: 1 }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });
});

describe('FC-2 per-account counters and display ids', () => {
  it('conversation ids in URLs and JSON are display ids counted per account; message and contact ids per account too', async () => {
    const before = await cw.state();
    const accounts = before.accounts as { id: number; next_ids: { contact: number; display: number; message: number } }[];
    const next1 = accounts.find((a) => a.id === 1)?.next_ids;
    const next2 = accounts.find((a) => a.id === 2)?.next_ids;
    const c1 = await conversationFor(cw);
    const c2contact = await cw.api<{ payload: { contact: { id: number } } }>('POST', '/api/v1/accounts/2/contacts', { name: 'Zed', phone_number: '+4915112345678' }, { token: 'other-token' });
    const c2 = await cw.api<{ id: number }>('POST', '/api/v1/accounts/2/conversations', { inbox_id: 3, contact_id: c2contact.json.payload.contact.id }, { token: 'other-token' });
    expect(c1.contactId).toBe(next1?.contact);
    expect(c1.conversationId).toBe(next1?.display);
    expect(c2contact.json.payload.contact.id).toBe(next2?.contact);
    expect(c2.json.id).toBe(next2?.display);
    const m = await cw.api<{ id: number; conversation_id: number }>('POST', '/api/v1/accounts/2/conversations/' + c2.json.id + '/messages', { content: 'hi' }, { token: 'other-token' });
    expect(m.json.id).toBe(next2?.message);
    expect(m.json.conversation_id).toBe(c2.json.id);
  });

  it('the internal conversation id differs from the display id and is never served by the API', async () => {
    const { conversationId } = await conversationFor(cw);
    const state = await cw.state(1);
    const row = (state.conversations as { display_id: number; internal_id: number }[]).find((c) => c.display_id === conversationId);
    expect(row?.internal_id).not.toBe(conversationId);
    const res = await cw.api('GET', `${A}/conversations/${row?.internal_id ?? 0}`);
    expect(res.status).toBe(404);
  });
});
