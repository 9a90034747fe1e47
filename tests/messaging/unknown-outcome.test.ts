import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { failNext, message, registerPaired, send, simSent, waitForStatus } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';

const PHONE = '5511971000001';
const DONE = ['sent', 'delivered', 'read'];

/**
 * The gateway gives up waiting (MESSAGE_SEND_TIMEOUT 1 s) while the child is still working on the send (2 s).
 * A blind retry would send twice; the gateway waits MESSAGE_VERIFY_DELAY, then looks in the child's history.
 */
describe('a send that times out at the gateway', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { QUEUE_INTERVAL: '20', MESSAGE_SEND_TIMEOUT: '1000', MESSAGE_VERIFY_DELAY: '3500', MESSAGE_RETRY_BASE_DELAY: '100' } });
    await registerPaired(gw, PHONE);
  });
  afterAll(() => gw.close());

  it('is not sent again when the child completed it after all: the copy in its history is recognised', async () => {
    await failNext(gw, PHONE, { count: 1, delay_ms: 2000 });
    const m = await send(gw, { from: PHONE, to: '5511888885000', message: 'slow but sent' });
    const unknown = await waitFor(async () => {
      const current = await message(gw, m.id);
      return current.error ? current : null;
    }, { what: 'the timeout to be recorded' });
    expect(unknown.status).toBe('sending');
    expect(unknown.error).toMatch(/outcome unknown/);

    const sent = await waitForStatus(gw, m.id, DONE);
    expect(sent.attempts).toBe(1);
    const atChild = (await simSent(gw, PHONE)).filter((e) => e.message === 'slow but sent');
    expect(atChild).toHaveLength(1);
    expect(sent.waMessageId).toBe(atChild[0]?.message_id);
  });

  it('is sent again, once, when the child finally failed it', async () => {
    await failNext(gw, PHONE, { count: 1, delay_ms: 2000, status: 500 });
    const m = await send(gw, { from: PHONE, to: '5511888885001', message: 'slow and failed' });
    const sent = await waitForStatus(gw, m.id, DONE);
    expect(sent.attempts).toBe(2);
    expect((await simSent(gw, PHONE)).filter((e) => e.message === 'slow and failed')).toHaveLength(1);
  });
});
