/**
 * The receipts path end to end: a message sent through the gateway is acknowledged by the stand-in with signed
 * `message.ack` webhooks to the loopback receiver; the message moves to delivered, then read, and the acks
 * reach Socket.IO and the number's own outbound webhook.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { pair, registerRunning } from '../realtime/sim.js';
import { connectClient, type TestClient } from '../realtime/socket-helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

const PHONE = '5511945000001';

let gw: TestGateway;
let socket: TestClient;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  gw = await startTestGateway({ env: { SIM_ACK_DELAY_MS: '100' } });
  await registerRunning(gw, PHONE, undefined, { webhookUrl: receiver.url, webhookEvents: ['message.ack'] });
  await pair(gw, PHONE);
  socket = await connectClient(gw.url, await gw.token());
});
afterAll(async () => {
  socket.close();
  await gw.close();
  await receiver.close();
});

describe('send, then the acks', () => {
  it('moves the message to read and publishes both receipts', async () => {
    const sent = await gw.request<{ id: string; status: string }>('POST', '/api/messages/send', { body: { from: PHONE, to: '5511888888888', message: 'Hello' } });
    expect(sent.status).toBe(202);
    const read = await waitFor(
      async () => {
        const res = await gw.request<{ status: string; waMessageId: string; deliveredAt: string | null; readAt: string | null }>('GET', `/api/messages/${sent.body.id}`);
        return res.body.status === 'read' ? res.body : null;
      },
      { what: 'the message to be read' },
    );
    expect(read.deliveredAt).not.toBeNull();
    expect(read.readAt).not.toBeNull();

    const acks = await socket.waitForCount('whatsapp-websocket-message', (d) => d.message.type === 'ack' && d.message.ids.includes(read.waMessageId), 2);
    expect(acks.map((a) => (a.message.type === 'ack' ? a.message.receiptType : ''))).toEqual(['delivered', 'read']);
    const hooks = await receiver.waitFor((h) => h.json.type === 'message.ack' && (h.json.payload['ids'] as string[]).includes(read.waMessageId), 2);
    expect(hooks.map((h) => h.json.payload['receipt_type'])).toEqual(['delivered', 'read']);
  });
});
