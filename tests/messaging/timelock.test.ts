import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { failNext, message, registerPaired, send, simSent, waitForStatus } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';

const LOCKED = '5511960000001';
const OTHER = '5511960000002';
const DONE = ['sent', 'delivered', 'read'];
const PAUSE_MS = 4000;
const LONG_PAUSE_MS = 15_000;
const ENV = { QUEUE_INTERVAL: '20', QUEUE_TIMELOCK_PAUSE: String(PAUSE_MS) };

interface QueueView {
  depth: number;
  paused: boolean;
  pausedUntil: string | null;
  reason: string | null;
}

describe('WhatsApp reach-out timelock (429 WA_REACHOUT_TIMELOCK)', () => {
  let gw: TestGateway;
  const queueOf = async (phone: string) => (await gw.request<{ queue: QueueView }>('GET', `/api/devices/${phone}`)).body.queue;

  beforeAll(async () => {
    gw = await startTestGateway({ env: ENV });
    await registerPaired(gw, LOCKED);
    await registerPaired(gw, OTHER);
  });
  afterAll(() => gw.close());

  it('pauses only that number, says so in its status, and resumes by itself after the pause', async () => {
    await failNext(gw, LOCKED, { count: 1, status: 429, code: 'WA_REACHOUT_TIMELOCK' });
    const before = Date.now();
    const locked = [];
    for (let i = 0; i < 3; i++) locked.push(await send(gw, { from: LOCKED, to: '5511888881000', message: `locked ${i}` }));
    const paused = await waitFor(async () => {
      const q = await queueOf(LOCKED);
      return q.paused ? q : null;
    }, { what: 'queue paused' });
    expect(paused.reason).toMatch(/WA_REACHOUT_TIMELOCK/);
    expect(paused.depth).toBe(3);
    expect(Date.parse(paused.pausedUntil ?? '')).toBeGreaterThanOrEqual(before + PAUSE_MS - 100);

    // The other number keeps sending while the first one is paused.
    const others = [];
    for (let i = 0; i < 3; i++) others.push(await send(gw, { from: OTHER, to: '5511888881001', message: `other ${i}` }));
    for (const m of others) await waitForStatus(gw, m.id, DONE);
    expect((await queueOf(OTHER)).paused).toBe(false);
    expect((await queueOf(LOCKED)).paused).toBe(true);
    expect((await message(gw, locked[0]?.id ?? '')).status).toBe('queued');
    expect((await simSent(gw, LOCKED)).filter((e) => e.message?.startsWith('locked '))).toHaveLength(0);

    // The proxy cannot be used to jump the pause either.
    const proxied = await gw.request<{ error: { code: string } }>('POST', `/proxy/whatsapp/${LOCKED}/send/message`, { body: { phone: '5511888881000', message: 'via proxy' } });
    expect(proxied.status).toBe(429);
    expect(proxied.body.error.code).toBe('QUEUE_PAUSED');
    expect(Number(proxied.headers.get('retry-after'))).toBeGreaterThan(0);

    for (const m of locked) await waitForStatus(gw, m.id, DONE, PAUSE_MS + 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(before + PAUSE_MS - 100);
    const atChild = (await simSent(gw, LOCKED)).filter((e) => e.message?.startsWith('locked '));
    expect(atChild.map((e) => e.message)).toEqual(['locked 0', 'locked 1', 'locked 2']);
    // The refused attempt does not count against the message.
    expect((await message(gw, locked[0]?.id ?? '')).attempts).toBe(1);
    expect((await queueOf(LOCKED)).paused).toBe(false);
  });

  it('can be resumed by hand before the pause is over', async () => {
    await failNext(gw, LOCKED, { count: 1, status: 429, code: 'WA_REACHOUT_TIMELOCK' });
    const m = await send(gw, { from: LOCKED, to: '5511888881002', message: 'resumed by hand' });
    await waitFor(async () => (await queueOf(LOCKED)).paused, { what: 'queue paused again' });
    const resumed = await gw.request<QueueView>('POST', `/api/devices/${LOCKED}/queue/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.paused).toBe(false);
    await waitForStatus(gw, m.id, DONE, 3000);
    expect((await simSent(gw, LOCKED)).filter((e) => e.message === 'resumed by hand')).toHaveLength(1);
  });

  it('keeps the pause across a gateway restart, then sends once it is over', async () => {
    // A pause long enough to outlast a restart on a loaded machine (stopping, starting and re-linking the child).
    const env = { ...ENV, QUEUE_TIMELOCK_PAUSE: String(LONG_PAUSE_MS) };
    await gw.close();
    gw = await startTestGateway({ dataRoot: gw.dataRoot, env });
    await waitFor(async () => (await gw.request<{ loggedIn: boolean }>('GET', `/api/devices/${LOCKED}`)).body.loggedIn, { what: 'the number logged in' });
    await failNext(gw, LOCKED, { count: 1, status: 429, code: 'WA_REACHOUT_TIMELOCK' });
    const m = await send(gw, { from: LOCKED, to: '5511888881003', message: 'after the restart' });
    const paused = await waitFor(async () => {
      const q = await queueOf(LOCKED);
      return q.paused ? q : null;
    }, { what: 'queue paused before the restart' });
    const until = Date.parse(paused.pausedUntil ?? '');

    await gw.close();
    gw = await startTestGateway({ dataRoot: gw.dataRoot, env });
    await waitFor(async () => (await gw.request<{ loggedIn: boolean }>('GET', `/api/devices/${LOCKED}`)).body.loggedIn, { what: 'the number back and logged in' });
    expect(await queueOf(LOCKED)).toMatchObject({ paused: true, pausedUntil: paused.pausedUntil, reason: paused.reason });
    expect((await message(gw, m.id)).status).toBe('queued');

    await waitForStatus(gw, m.id, DONE, LONG_PAUSE_MS + 10_000);
    const atChild = (await simSent(gw, LOCKED)).filter((e) => e.message === 'after the restart');
    expect(atChild).toHaveLength(1);
    expect(Date.parse(atChild[0]?.at ?? '')).toBeGreaterThanOrEqual(until);
    expect((await queueOf(LOCKED)).paused).toBe(false);
  });
});
