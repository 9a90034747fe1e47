/**
 * What the number sends lands in the store too: outbox messages (same id as POST /api/messages/send answered)
 * follow each status change, journaled as `message.status`; proxied `/send/*` calls are stored from what passed
 * through; receipts move statuses forward only, and a failure keeps its reason. Socket.IO clients in the
 * number's room get `message.new`, `message.status` and `conversation.updated` with the event's `seq`, and a
 * list's `asOf` lets a client join from there without a gap.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hubSignature } from '../helpers/sim-webhooks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { send, waitForStatus } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';
import { pair, registerRunning } from '../realtime/sim.js';
import { connectClient, type TestClient } from '../realtime/socket-helpers.js';
import { deliver, messagesOf, storedRows } from './store-helpers.js';

const PHONE = '5511944000001';
const TO = '5511888000111';
const TO_JID = `${TO}@s.whatsapp.net`;

let gw: TestGateway;
let socket: TestClient;

beforeAll(async () => {
  gw = await startTestGateway({ env: { HISTORY_SYNC_DAYS: '0', SIM_ACK_DELAY_MS: '100', QUEUE_INTERVAL: '0', MESSAGE_MAX_ATTEMPTS: '1' } });
  await registerRunning(gw, PHONE);
  await pair(gw, PHONE);
  socket = await connectClient(gw.url, await gw.token());
  const joined = await socket.join({ room: `device-${PHONE}` });
  expect(joined.ok).toBe(true);
});
afterAll(async () => {
  socket.close();
  await gw.close();
});

const storedById = async (id: string, status: string) =>
  waitFor(async () => (await messagesOf(gw, PHONE, TO_JID, 'limit=200')).data.find((m) => m.id === id && m.status === status), { what: `${id} ${status} in the store` });

describe('outbox messages', () => {
  it('are stored under the id the send answered, and follow sent → delivered → read', async () => {
    const accepted = await send(gw, { from: PHONE, to: TO, message: 'your refund is on its way' });
    const read = await storedById(accepted.id, 'read');
    const outbox = await waitForStatus(gw, accepted.id, ['read']);
    expect(read).toMatchObject({ direction: 'out', type: 'text', text: 'your refund is on its way', source: 'api', waId: outbox.waMessageId });
    expect(read.sentAt && read.deliveredAt && read.readAt).toBeTruthy();
    // Each change was journaled and published in the number's stream, in order, with its seq.
    const statuses = socket.all('message.status', (d) => d.message.id === accepted.id);
    expect(statuses.map((d) => d.message.status)).toEqual(['sent', 'delivered', 'read']);
    const created = socket.all('message.new', (d) => d.message.id === accepted.id);
    expect(created.map((d) => d.message.status)).toEqual(['queued']);
    const seqs = [...created, ...statuses].map((d) => d.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(socket.all('conversation.updated', (d) => d.conversation.id === TO_JID && d.conversation.lastMessage?.id === accepted.id).length).toBeGreaterThan(0);
  });

  it('keeps the reason of a failed message', async () => {
    const accepted = await send(gw, { from: PHONE, to: '9990001112223', message: 'to nobody' });
    const failed = await waitFor(async () => (await messagesOf(gw, PHONE, '9990001112223@s.whatsapp.net')).data.find((m) => m.status === 'failed'), { what: 'the failure in the store' });
    expect(failed.id).toBe(accepted.id);
    expect(failed.error).toMatch(/not on whatsapp/i);
  });

  it('never moves a status backwards when a late receipt arrives', async () => {
    const accepted = await send(gw, { from: PHONE, to: TO, message: 'late receipts' });
    const read = await storedById(accepted.id, 'read');
    const secret = gw.gateway.supervisor.runner(PHONE)?.webhookSecret ?? '';
    const raw = Buffer.from(JSON.stringify({ event: 'message.ack', timestamp: new Date().toISOString(), payload: { ids: [read.waId], chat_id: TO_JID, receipt_type: 'delivered' } }));
    const res = await gw.request('POST', `/internal/webhooks/${PHONE}`, { raw, token: null, headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature(raw, secret) } });
    expect(res.status).toBe(200);
    const after = (await messagesOf(gw, PHONE, TO_JID, 'limit=200')).data.find((m) => m.id === accepted.id);
    expect(after).toMatchObject({ status: 'read', deliveredAt: read.deliveredAt, readAt: read.readAt });
  });
});

describe('proxied sends', () => {
  it('stores a text sent through /proxy/whatsapp/{phone}/send/message, and its receipts', async () => {
    const res = await gw.request<{ results: { message_id: string } }>('POST', `/proxy/whatsapp/${PHONE}/send/message`, { body: { phone: TO, message: 'through the proxy' } });
    expect(res.status).toBe(200);
    const waId = res.body.results.message_id;
    const stored = await waitFor(async () => (await messagesOf(gw, PHONE, TO_JID, 'limit=200')).data.find((m) => m.waId === waId && m.status === 'read'), { what: 'the proxied send read' });
    expect(stored).toMatchObject({ direction: 'out', source: 'proxy', type: 'text', text: 'through the proxy' });
  });

  it('stores a proxied multipart upload with its file name, type and size', async () => {
    const form = new FormData();
    form.append('phone', TO);
    form.append('caption', 'the contract');
    form.append('file', new Blob([Buffer.alloc(3000, 1)], { type: 'application/pdf' }), 'contract.pdf');
    const res = await fetch(`${gw.url}/proxy/whatsapp/${PHONE}/send/file`, { method: 'POST', headers: { authorization: `Bearer ${await gw.token()}` }, body: form });
    expect(res.status).toBe(200);
    const waId = ((await res.json()) as { results: { message_id: string } }).results.message_id;
    const stored = await waitFor(async () => (await messagesOf(gw, PHONE, TO_JID, 'limit=200')).data.find((m) => m.waId === waId), { what: 'the proxied file' });
    expect(stored).toMatchObject({ type: 'document', text: 'the contract', media: { kind: 'document', fileName: 'contract.pdf', mime: 'application/pdf', size: 3000 } });
  });

  it('stores nothing for a send the child refused', async () => {
    const before = storedRows(gw, PHONE).length;
    const res = await gw.request('POST', `/proxy/whatsapp/${PHONE}/send/message`, { body: { phone: TO } });
    expect(res.status).toBe(400);
    expect(storedRows(gw, PHONE).length).toBe(before);
  });
});

describe('asOf and resume', () => {
  it('a client that joins from a list answer\'s asOf gets exactly what came after it', async () => {
    const page = await messagesOf(gw, PHONE, TO_JID);
    const since = page.asOf[PHONE];
    expect(typeof since).toBe('number');
    const [later] = await deliver(gw, PHONE, { from: TO, body: 'after the list' });
    await waitFor(async () => (await messagesOf(gw, PHONE, TO_JID)).data.some((m) => m.waId === later), { what: 'the later message stored' });

    const late = await connectClient(gw.url, await gw.token());
    try {
      const joined = await late.join({ room: `device-${PHONE}`, since });
      expect(joined).toMatchObject({ ok: true, truncated: false });
      const replayed = await late.waitFor('message.new', (d) => d.message.waId === later);
      expect(replayed.seq).toBeGreaterThan(since ?? 0);
      // Nothing from before the list answer is replayed.
      expect(late.all('message.new').every((d) => d.seq > (since ?? 0))).toBe(true);
      expect(late.all('conversation.updated', (d) => d.conversation.id === TO_JID).at(-1)?.conversation.lastMessage?.waId).toBe(later);
    } finally {
      late.close();
    }
  });
});
