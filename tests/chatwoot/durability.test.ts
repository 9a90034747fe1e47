/**
 * Durable in both directions: Chatwoot down (connections refused) while messages keep arriving, then up →
 * everything arrives, in order per conversation, once (the 10 minutes are the same walk through the
 * backoff, with fast retry settings); rate limits (429) and the per-conversation flood limit are waited out;
 * a create whose answer was lost is found again instead of posted twice; a step failing past its retry period is
 * a dead letter, listed, shown by health and Prometheus, and replayable.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { auditRows, auditSettled } from '../helpers/access.js';
import { waitFor } from '../helpers/wait.js';
import { boundNumber, countBy, cwMessages, deliver, deliverInOrder, startBridge, type Bridge } from './support.js';

const PHONE = '5511950000201';
const A = '6281100000001';
const B = '6281100000002';

let b: Bridge;

beforeAll(async () => {
  b = await startBridge();
  await boundNumber(b, PHONE, 1);
});
afterAll(async () => {
  await b?.close();
});
// A test that fails while Chatwoot is down must not leave it down for the next one.
afterEach(async () => {
  await b?.cw.up();
});

interface Backlog {
  backlog: { toChatwoot: { pending: number; retrying: number; dead: number } };
}

const binding = async () => (await b.gw.request<Backlog>('GET', `/api/devices/${PHONE}/chatwoot`)).body;
const contents = async (prefix: string) => (await cwMessages(b.cw)).filter((m) => m.content?.startsWith(prefix));

describe('Chatwoot down, then up', () => {
  it('loses nothing, duplicates nothing and keeps each conversation’s order', async () => {
    await deliver(b.gw, PHONE, { from: A, body: 'A-0' });
    await waitFor(async () => (await contents('A-0')).length === 1, { what: 'the first message of A' });
    await b.cw.down({ mode: 'refuse' });
    const expected: string[] = [];
    for (let i = 1; i <= 12; i++) {
      await deliverInOrder(b.gw, PHONE, { from: A, body: `A-${i}` });
      await deliverInOrder(b.gw, PHONE, { from: B, body: `B-${i}` });
      expected.push(`A-${i}`, `B-${i}`);
    }
    // Retrying, visibly: the binding's backlog, the delivery log, health and Prometheus all show it.
    await waitFor(async () => (await binding()).backlog.toChatwoot.retrying > 0, { what: 'retrying steps' });
    // A retried step is listed as pending between its attempts (while one runs it is not), so wait for that moment.
    const pendingErrors = async () =>
      (await b.gw.request<{ deliveries: { attempts: number; lastError: string | null }[] }>('GET', `/api/chatwoot/deliveries?phoneNumber=${PHONE}&status=pending`)).body.deliveries
        .filter((d) => d.attempts > 0)
        .map((d) => d.lastError);
    const errorsSeen = await waitFor(async () => {
      const seen = await pendingErrors();
      return seen.length > 0 ? seen : undefined;
    }, { what: 'a retried step listed with its error' });
    // Refused once the port is closed; a keep-alive connection the stopping server dropped fails as reset/closed.
    expect(errorsSeen).toEqual(expect.arrayContaining([expect.stringMatching(/ECONNREFUSED|ECONNRESET|refused|socket|closed/i)]));
    const metrics = await (await fetch(`${b.gw.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`wa_chatwoot_backlog\\{phone="${PHONE}",direction="to_chatwoot",state="(pending|retrying)"\\} [1-9]`));
    // Several rounds of the backoff pass while it is down.
    await waitFor(async () => (await b.gw.request<{ deliveries: { attempts: number }[] }>('GET', `/api/chatwoot/deliveries?phoneNumber=${PHONE}&status=pending`)).body.deliveries.some((d) => d.attempts >= 4), {
      what: 'four attempts of one step',
    });
    await b.cw.up();
    await waitFor(async () => (await contents('A-')).length + (await contents('B-')).length === 25, { what: 'every message in Chatwoot', timeoutMs: 30_000 });
    const all = await cwMessages(b.cw);
    expect([...countBy(all, (m) => m.source_id)].filter(([, n]) => n > 1)).toEqual([]);
    const order = (prefix: string) => all.filter((m) => m.content?.startsWith(prefix)).sort((x, y) => x.id - y.id).map((m) => m.content);
    expect(order('A-')).toEqual(['A-0', ...expected.filter((c) => c.startsWith('A-'))]);
    expect(order('B-')).toEqual(expected.filter((c) => c.startsWith('B-')));
    await waitFor(async () => (await binding()).backlog.toChatwoot.pending + (await binding()).backlog.toChatwoot.retrying === 0, { what: 'an empty backlog' });
  });

  it('waits out rate limits (429) and the per-conversation flood limit (422 Too many messages)', async () => {
    await b.cw.knobs({ rate_limit_loopback: true, rate_limit: 8, rate_limit_period_ms: 1000, flood_limit: 3, flood_window_ms: 1000 });
    try {
      for (let i = 1; i <= 10; i++) await deliverInOrder(b.gw, PHONE, { from: A, body: `flood-${i}` });
      await waitFor(async () => (await contents('flood-')).length === 10, { what: 'every flood message', timeoutMs: 30_000 });
    } finally {
      await b.cw.knobs({ rate_limit_loopback: false, rate_limit: 3000, rate_limit_period_ms: 60_000, flood_limit: 200, flood_window_ms: 60_000 });
    }
    const flood = (await contents('flood-')).sort((x, y) => x.id - y.id).map((m) => m.content);
    expect(flood).toEqual(Array.from({ length: 10 }, (_, i) => `flood-${i + 1}`));
    const statuses = (await b.cw.requests('messages.create')).map((r) => r['status']);
    expect(statuses).toEqual(expect.arrayContaining([422]));
  });

  it('finds a message whose create was answered with an error after it was made, instead of posting it twice', async () => {
    await b.cw.fault({ route: 'messages.create', phase: 'after', status: 502, count: 1 });
    const [id] = await deliver(b.gw, PHONE, { from: A, body: 'made but not answered' });
    await waitFor(async () => (await b.gw.request<{ deliveries: { status: string; ref: string }[] }>('GET', `/api/chatwoot/deliveries?phoneNumber=${PHONE}&status=done`)).body.deliveries.length > 0 && (await contents('made but not answered')).length === 1, {
      what: 'the message in Chatwoot',
    });
    // The next message of the chat is through: the one above was settled, not retried into a copy.
    await deliver(b.gw, PHONE, { from: A, body: 'after the lost answer' });
    await waitFor(async () => (await contents('after the lost answer')).length === 1, { what: 'the next one' });
    const copies = (await cwMessages(b.cw)).filter((m) => m.source_id === `wamp:${id}`);
    expect(copies).toHaveLength(1);
    expect((await b.cw.requests('messages.create')).some((r) => r['status'] === 502)).toBe(true);
  });
});

describe('a step failing past its retry period', () => {
  let short: Bridge;
  const NUMBER = '5511950000202';
  beforeAll(async () => {
    short = await startBridge({ env: { CHATWOOT_RETRY_PERIOD: '600' } });
    await boundNumber(short, NUMBER, 1);
  });
  afterAll(async () => {
    await short?.close();
  });

  it('is a dead letter: listed with the reason, unhealthy in health, replayed into place once Chatwoot is back', async () => {
    await short.cw.down({ mode: 'error', status: 503 });
    await deliver(short.gw, NUMBER, { from: A, body: 'dead while Chatwoot is down' });
    const dead = await waitFor(async () => (await short.gw.request<{ deliveries: { id: number; lastError: string; kind: string }[] }>('GET', `/api/chatwoot/deliveries?status=dead&phoneNumber=${NUMBER}`)).body.deliveries[0], {
      what: 'a dead letter',
    });
    expect(dead).toMatchObject({ kind: 'message', lastError: expect.stringMatching(/503/) });
    const health = await short.gw.request<{ problems: string[] }>('GET', '/api/health/detailed');
    expect(health.status).toBe(503);
    expect(health.body.problems.join('\n')).toMatch(new RegExp(`chatwoot: 1 dead steps for ${NUMBER}`));
    await short.cw.up();
    expect((await short.gw.request('POST', `/api/chatwoot/deliveries/${dead.id}/replay`)).status).toBe(200);
    await waitFor(async () => (await cwMessages(short.cw)).some((m) => m.content === 'dead while Chatwoot is down'), { what: 'the replayed message' });
    expect((await short.gw.request('POST', '/api/chatwoot/deliveries/999999/replay')).status).toBe(404);
    await auditSettled(short.gw);
    expect(auditRows(short.gw).filter((r) => r.action === 'chatwoot.replay').map((r) => [r.result, r.phone_number, r.target_id])).toEqual([
      ['ok', NUMBER, String(dead.id)],
      ['error', null, null],
    ]);
  });
});
