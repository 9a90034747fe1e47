/** FC-3 and the failure hooks: rack-attack 429s, the per-conversation flood limit, injected faults, outages, token changes, reset. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { cleanupFakeChatwoots, startFakeChatwoot, type FakeChatwoot } from '../helpers/fake-chatwoot.js';
import { waitFor } from '../helpers/wait.js';
import { A, conversationFor, seed } from './support.js';

let cw: FakeChatwoot;

beforeAll(async () => {
  cw = await startFakeChatwoot({ seed: seed() });
});
beforeEach(async () => {
  await cw.reset(seed());
});
afterAll(cleanupFakeChatwoots);

const inboxes = (headers?: Record<string, string>) => cw.api('GET', `${A}/inboxes`, undefined, headers ? { headers } : {});

describe('rack-attack (FC-3)', () => {
  it('over the per-IP limit: 429, text/plain "Retry later\\n", no Retry-After', async () => {
    await cw.knobs({ rate_limit: 3, rate_limit_loopback: true });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await inboxes()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await inboxes();
    expect(limited.text).toBe('Retry later\n');
    expect(limited.headers.get('content-type')).toBe('text/plain');
    expect(limited.headers.get('retry-after')).toBeNull();
  });

  it('with rate_limit_retry_after, a Retry-After within the period', async () => {
    await cw.knobs({ rate_limit: 1, rate_limit_loopback: true, rate_limit_retry_after: true });
    await inboxes();
    const limited = await inboxes();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });

  it('loopback is exempt as in Chatwoot, unless X-Forwarded-For names a public client; RACK_ATTACK_ALLOWED_IPS too', async () => {
    await cw.knobs({ rate_limit: 1 });
    const local = [];
    for (let i = 0; i < 3; i++) local.push((await inboxes()).status);
    expect(local).toEqual([200, 200, 200]);
    const proxied = [];
    for (let i = 0; i < 2; i++) proxied.push((await inboxes({ 'X-Forwarded-For': '203.0.113.7' })).status);
    expect(proxied).toEqual([200, 429]);
    await cw.knobs({ rate_limit_allowed_ips: ['203.0.113.7'] });
    expect((await inboxes({ 'X-Forwarded-For': '203.0.113.7' })).status).toBe(200);
  });

  it('contact search has its own per-account limit', async () => {
    await cw.knobs({ contact_search_limit: 2, rate_limit_loopback: true });
    const searches = [];
    for (let i = 0; i < 3; i++) searches.push((await cw.api('GET', `${A}/contacts/search?q=x`)).status);
    expect(searches).toEqual([200, 200, 429]);
    expect((await inboxes()).status).toBe(200);
  });
});

describe('per-conversation flood limit (FC-3)', () => {
  it('past the limit in the window: 422 "Validation failed: Too many messages"; other conversations unaffected; fine again after the window', async () => {
    await cw.knobs({ flood_limit: 3, flood_window_ms: 400 });
    const { conversationId } = await conversationFor(cw);
    const other = await conversationFor(cw);
    const post = (id: number) => cw.api('POST', `${A}/conversations/${id}/messages`, { content: 'flood', message_type: 'incoming' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(conversationId)).status);
    expect(statuses).toEqual([200, 200, 200, 422]);
    expect((await post(conversationId)).json).toEqual({ error: 'Validation failed: Too many messages' });
    expect((await post(other.conversationId)).status).toBe(200);
    await waitFor(async () => (await post(conversationId)).status === 200, { what: 'the flood window to pass' });
  });
});

describe('injected faults', () => {
  it.each([
    [503, 'text/html', '<center><h1>503 Service Unavailable</h1></center>'],
    [502, 'text/html', '<hr><center>nginx</center>'],
    [500, 'application/json; charset=utf-8', '{"status":500,"error":"Internal Server Error"}'],
    [429, 'text/plain', 'Retry later\n'],
  ])('status %i before processing: the answer, nothing stored, then normal again', async (status, type, body) => {
    const { conversationId } = await conversationFor(cw);
    await cw.fault({ route: 'messages.create', status, count: 1 });
    const failed = await cw.api('POST', `${A}/conversations/${conversationId}/messages`, { content: 'lost' }, { headers: { Accept: 'application/json' } });
    expect(failed.status).toBe(status);
    expect(failed.headers.get('content-type')).toBe(type);
    expect(failed.text).toContain(body);
    expect((await cw.messages({ accountId: 1, conversationId })).filter((m) => m.content === 'lost')).toEqual([]);
    expect((await cw.api('POST', `${A}/conversations/${conversationId}/messages`, { content: 'kept' })).status).toBe(200);
  });

  it('phase after: the write happened, only the answer is an error', async () => {
    const { conversationId } = await conversationFor(cw);
    await cw.fault({ route: 'messages.create', status: 504, phase: 'after', count: 1 });
    const res = await cw.api('POST', `${A}/conversations/${conversationId}/messages`, { content: 'stored anyway', message_type: 'incoming' });
    expect(res.status).toBe(504);
    expect((await cw.messages({ accountId: 1, conversationId })).filter((m) => m.content === 'stored anyway')).toHaveLength(1);
  });

  it('a slow answer beats a client timeout; a hang never answers until the faults are cleared', async () => {
    await cw.fault({ route: 'inboxes.index', delay_ms: 2000, count: 1 });
    await expect(fetch(`${cw.apiUrl}${A}/inboxes`, { headers: { 'api-access-token': 'admin-token' }, signal: AbortSignal.timeout(150) })).rejects.toThrow();
    await cw.fault({ route: 'inboxes.show', hang: true });
    await expect(fetch(`${cw.apiUrl}${A}/inboxes/1`, { headers: { 'api-access-token': 'admin-token' }, signal: AbortSignal.timeout(150) })).rejects.toThrow();
    await cw.clearFaults();
    expect((await cw.api('GET', `${A}/inboxes/1`)).status).toBe(200);
  });

  it('a rule for a while (duration_ms) on every route', async () => {
    await cw.fault({ route: '*', status: 503, duration_ms: 300 });
    expect((await inboxes()).status).toBe(503);
    await waitFor(async () => (await inboxes()).status === 200, { what: 'the fault window to pass' });
  });

  it('an unknown route id or an empty rule is a 400 naming the problem', async () => {
    const unknown = await cw.control('POST', '/_fake/faults', { route: 'messages.send', status: 500 });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatch(/^route: unknown route id "messages.send"/);
    const empty = await cw.control('POST', '/_fake/faults', { route: 'messages.create' });
    expect(empty.json).toEqual({ error: 'body: give status, delay_ms or hang' });
    const typo = await cw.control('PATCH', '/_fake/knobs', { webhook_timming: 'before_response' });
    expect(typo.status).toBe(400);
  });
});

describe('outages', () => {
  it('error mode: every API request gets nginx\'s 502 page; the control API still answers; up restores', async () => {
    await cw.down({ mode: 'error' });
    const res = await inboxes();
    expect(res.status).toBe(502);
    expect(res.text).toContain('502 Bad Gateway');
    expect((await fetch(`${cw.apiUrl}/_fake/info`)).status).toBe(200);
    await cw.up();
    expect((await inboxes()).status).toBe(200);
  });

  it('refuse mode: connections are refused on the API port, the control port answers, up listens again on the same port', async () => {
    await cw.down({ mode: 'refuse' });
    await expect(fetch(`${cw.apiUrl}/api`)).rejects.toThrow();
    const info = await cw.control<{ outage: { mode: string } }>('GET', '/_fake/info');
    expect(info.json.outage.mode).toBe('refuse');
    await cw.up();
    expect((await fetch(`${cw.apiUrl}/api`)).status).toBe(200);
  });

  it('refuse mode with duration_ms comes back by itself', async () => {
    await cw.down({ mode: 'refuse', duration_ms: 300 });
    await expect(fetch(`${cw.apiUrl}/api`)).rejects.toThrow();
    await waitFor(async () => (await fetch(`${cw.apiUrl}/api`)).status === 200, { what: 'the API port to come back' });
  });
});

describe('tokens and reset', () => {
  it('a revoked token is "Invalid Access Token"; an added one works', async () => {
    expect((await cw.control('DELETE', '/_fake/tokens/admin-token')).status).toBe(200);
    expect((await inboxes()).json).toEqual({ error: 'Invalid Access Token' });
    await cw.control('POST', '/_fake/tokens', { token: 'rotated', user_id: 1 });
    expect((await cw.api('GET', `${A}/inboxes`, undefined, { token: 'rotated' })).status).toBe(200);
  });

  it('reset puts the seed, the knobs and the id counters back', async () => {
    await cw.knobs({ flood_limit: 1 });
    const first = await conversationFor(cw);
    await cw.reset();
    expect((await cw.api('GET', `${A}/contacts/${first.contactId}`)).status).toBe(404);
    expect((await cw.control<{ flood_limit: number }>('GET', '/_fake/knobs')).json.flood_limit).toBe(200);
    expect((await conversationFor(cw)).contactId).toBe(first.contactId);
  });

  it('reset with a bad seed is a 400 that names the field, and changes nothing', async () => {
    const { contactId } = await conversationFor(cw);
    const res = await cw.control('POST', '/_fake/reset', { seed: { accounts: [{ id: 1, name: 'A' }], inboxes: [{ id: 1, account_id: 9, name: 'x' }] } });
    expect(res.status).toBe(400);
    expect(res.json.error).toContain('seed.inboxes.0.account_id: no account 9');
    expect((await cw.api('GET', `${A}/contacts/${contactId}`)).status).toBe(200);
  });
});
