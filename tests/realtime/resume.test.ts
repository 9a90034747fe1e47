/**
 * Resume: a client that reconnects asks for the events after the last sequence number it saw and gets exactly
 * the missed ones from the store, then live ones, with no gap and no duplicate, even while events keep coming.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FeedMessage } from '../../src/events/feed-message.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { incoming, lastSeq, pair, registerRunning } from './sim.js';
import { connectClient, type TestClient } from './socket-helpers.js';

const PHONE = '5511941000001';
const ROOM = `device-${PHONE}`;
const WINDOW = 100;

let gw: TestGateway;
let token: string;
const clients: TestClient[] = [];

async function client(): Promise<TestClient> {
  const c = await connectClient(gw.url, token);
  clients.push(c);
  return c;
}

const roomSeqs = (c: TestClient) => c.all('device-websocket-message').map((d) => d.message.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  gw = await startTestGateway({ env: { REALTIME_RESUME_LIMIT: String(WINDOW) } });
  token = await gw.token();
  await registerRunning(gw, PHONE);
  await pair(gw, PHONE);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await gw.close();
});

describe('resume after a disconnect', () => {
  it('replays exactly the missed events, then live ones', async () => {
    const first = await client();
    const joined = await first.join({ room: ROOM, since: 0 });
    expect(joined).toMatchObject({ ok: true, truncated: false });
    if (!joined.ok) throw new Error('join failed');
    await incoming(gw, PHONE, 'seen live');
    await first.waitFor('device-websocket-message', (d) => d.message.type === 'message');
    const seen = Math.max(...roomSeqs(first));
    expect(roomSeqs(first)).toEqual(range(1, seen));
    first.close();

    await incoming(gw, PHONE, 'missed', 4);
    await waitFor(() => lastSeq(gw, PHONE) === seen + 4, { what: 'the missed events to be stored' });

    const second = await client();
    const resumed = await second.join({ room: ROOM, since: seen });
    expect(resumed).toEqual({ ok: true, room: ROOM, lastSeq: seen + 4, replayed: 4, truncated: false });
    const replayed = await second.waitForCount('device-websocket-message', () => true, 4);
    expect(replayed.map((d) => d.message.seq)).toEqual(range(seen + 1, seen + 4));
    expect(replayed.map((d) => d.message.type === 'message' && d.message.payload['body'])).toEqual(['missed', 'missed', 'missed', 'missed']);

    await incoming(gw, PHONE, 'live again');
    await second.waitFor('device-websocket-message', (d) => d.message.seq === seen + 5);
    expect(roomSeqs(second)).toEqual(range(seen + 1, seen + 5));
  });

  it('has no gap and no duplicate when events arrive while the client joins', async () => {
    const since = lastSeq(gw, PHONE);
    const burst = 60;
    const c = await client();
    // The child posts the burst's webhooks concurrently; the join lands somewhere in the middle of them.
    const sent = incoming(gw, PHONE, 'burst', burst);
    await waitFor(() => lastSeq(gw, PHONE) > since + 5, { intervalMs: 5, what: 'the burst to start' });
    const joined = await c.join({ room: ROOM, since });
    if (!joined.ok) throw new Error('join failed');
    expect(joined.replayed).toBeGreaterThan(5);
    if (process.env['DEBUG_RESUME']) console.log(`replayed ${joined.replayed} of ${burst}`);
    await sent;
    await waitFor(() => lastSeq(gw, PHONE) === since + burst, { what: 'the whole burst to be stored' });
    await c.waitForCount('device-websocket-message', () => true, burst);
    expect(roomSeqs(c)).toEqual(range(since + 1, since + burst));
  });

  it('keeps the global stream numbered too', async () => {
    const c = await client();
    const [id] = await incoming(gw, PHONE, 'numbered');
    const hit = await c.waitFor('whatsapp-websocket-message', (d) => d.message.type === 'message' && d.message.payload['id'] === id);
    expect(hit.message.seq).toBe(lastSeq(gw, PHONE));
  });
});

describe('the resume window', () => {
  it('replays only the newest events beyond the window, says so, and REST serves the rest', async () => {
    const since = lastSeq(gw, PHONE);
    await incoming(gw, PHONE, 'too many', WINDOW + 5);
    await waitFor(() => lastSeq(gw, PHONE) === since + WINDOW + 5, { what: 'events stored' });
    const c = await client();
    const joined = await c.join({ room: ROOM, since });
    expect(joined).toMatchObject({ ok: true, replayed: WINDOW, truncated: true, lastSeq: since + WINDOW + 5 });
    await c.waitForCount('device-websocket-message', () => true, WINDOW, 20_000);
    expect(roomSeqs(c)).toEqual(range(since + 6, since + WINDOW + 5));

    const page = await gw.request<{ events: FeedMessage[]; lastSeq: number; hasMore: boolean }>('GET', `/api/devices/${PHONE}/events?since=${since}&limit=5`);
    expect(page.status).toBe(200);
    expect(page.body.events.map((e) => e.seq)).toEqual(range(since + 1, since + 5));
    expect(page.body).toMatchObject({ lastSeq: since + WINDOW + 5, hasMore: true });
    // The stored messages are the ones the sockets got.
    const live = c.all('device-websocket-message').map((d) => d.message);
    const rest = await gw.request<{ events: FeedMessage[]; hasMore: boolean }>('GET', `/api/devices/${PHONE}/events?since=${since + 5}&limit=100`);
    expect(rest.body.events).toEqual(live);
    expect(rest.body.hasMore).toBe(false);
  });

  it('validates the join request', async () => {
    const c = await client();
    await expect(c.join({ room: ROOM, since: -1 })).resolves.toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    await expect(c.join({ room: 'lobby' })).resolves.toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    // A since beyond the newest (say, from an older database) replays nothing and reports where the number is.
    await expect(c.join({ room: ROOM, since: 1_000_000 })).resolves.toMatchObject({ ok: true, replayed: 0, lastSeq: lastSeq(gw, PHONE) });
  });
});
