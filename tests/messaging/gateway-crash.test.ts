import { afterAll, describe, expect, it } from '@jest/globals';
import { makeDataRoot } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { pairChildOfPid, simSentOfPid } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';

const PHONE = '5511980000001';
const DONE = ['sent', 'delivered', 'read'];
const ENV = { QUEUE_INTERVAL: '100', MESSAGE_RETRY_BASE_DELAY: '100', MESSAGE_RETRY_MAX_DELAY: '500' };

const running: GatewayProcess[] = [];
afterAll(async () => {
  for (const gw of running) {
    if (gw.child.exitCode === null && gw.child.signalCode === null) {
      gw.child.kill('SIGTERM');
      await gw.exited;
    }
  }
});

interface Page {
  messages: { id: string; status: string; content: { message?: string } }[];
  total: number;
}

describe('the gateway process is killed with SIGKILL while messages are queued', () => {
  it('sends every accepted message exactly once after the restart', async () => {
    const dataRoot = makeDataRoot();
    const first = await spawnGateway(dataRoot, ENV);
    running.push(first);
    const created = await first.request<{ pid: number }>('POST', '/api/devices', { phoneNumber: PHONE });
    await pairChildOfPid(created.body.pid);
    await waitFor(async () => (await first.request<{ loggedIn: boolean }>('GET', `/api/devices/${PHONE}`)).body.loggedIn, { what: 'logged in' });

    const texts = Array.from({ length: 30 }, (_, i) => `gateway crash ${i}`);
    for (const text of texts) {
      const res = await first.request('POST', '/api/messages/send', { from: PHONE, to: '5511888883000', message: text });
      expect(res.status).toBe(202);
    }
    await waitFor(async () => (await first.request<Page>('GET', `/api/messages?from=${PHONE}&status=sent`)).body.total >= 3, { what: 'a few sent' });
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnGateway(dataRoot, ENV);
    running.push(second);
    const page = await waitFor(
      async () => {
        const res = await second.request<Page>('GET', `/api/messages?from=${PHONE}&limit=100`);
        return res.body.total === 30 && res.body.messages.every((m) => DONE.includes(m.status)) ? res.body : null;
      },
      { timeoutMs: 40_000, what: 'every message sent after the restart' },
    );
    expect(page.messages).toHaveLength(30);

    const device = await second.request<{ pid: number }>('GET', `/api/devices/${PHONE}`);
    const atChild = (await simSentOfPid(device.body.pid)).filter((e) => e.message?.startsWith('gateway crash '));
    expect(atChild.map((e) => e.message)).toEqual(texts);
  });
});
