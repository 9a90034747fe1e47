/**
 * Sends in distributed mode, through the gateways' REST API with stand-in children: `POST /api/messages/send` names
 * its number in the body, not the path, so it is served by whichever node the client reached; that node stores
 * the send in the shared outbox and the number's owner sends it, once. Every node reads it; the next owner sends
 * what is accepted after a hand-over and leaves what was sent alone.
 */
import { describe, expect, it } from '@jest/globals';
import { clusterGateways } from '../helpers/cluster-gateways.js';
import type { TestGateway } from '../helpers/gateway.js';
import { message, pair, send, simSent, waitForStatus, type MessageBody } from '../helpers/messaging.js';
import { postgresForFile } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const server = postgresForFile();
const cluster = clusterGateways();
const PHONE = '5511932000001';
const TO = '5511977770001';

const runner = (gw: TestGateway) => gw.gateway.supervisor.runner(PHONE);
/** Sent, and maybe already delivered or read (the stand-in's recipient answers at once). */
const SENT = ['sent', 'delivered', 'read'];
const sentOnAll = async (gateways: readonly TestGateway[], ids: readonly string[]): Promise<MessageBody[]> => {
  const rows: MessageBody[] = [];
  for (const gw of gateways) for (const id of ids) rows.push(await waitForStatus(gw, id, SENT));
  return rows;
};
const sentAs = (m: MessageBody) => ({ id: m.id, attempts: m.attempts, waMessageId: m.waMessageId });

/** A file uploaded with the send (multipart): it lands on the disk of the node the client reached. */
async function uploadImage(gw: TestGateway, caption: string): Promise<{ status: number; body: MessageBody & { error?: { code: string } } }> {
  const form = new FormData();
  for (const [k, v] of Object.entries({ from: PHONE, to: TO, caption })) form.append(k, v);
  form.append('image', new Blob([PNG], { type: 'image/png' }), 'photo.png');
  const res = await fetch(`${gw.url}/api/messages/send-image`, { method: 'POST', headers: { authorization: `Bearer ${await gw.token()}` }, body: form });
  return { status: res.status, body: (await res.json()) as MessageBody & { error?: { code: string } } };
}
/** The smallest valid PNG (1×1). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('sends in distributed mode', () => {
  it('are accepted by any node, sent once by the owner, read on every node, and sent by the next owner after a hand-over', async () => {
    const url = await server().createDatabase('gateway_outbox');
    const gateways = [await cluster.node(url, 0), await cluster.node(url, 1)];
    expect((await gateways[1]!.request('POST', '/api/devices', { body: { phoneNumber: PHONE } })).status).toBe(201);
    const owner = await waitFor(() => gateways.find((gw) => runner(gw)?.state === 'running') ?? null, { timeoutMs: 20_000, what: `${PHONE} running on its owner` });
    const other = gateways.find((gw) => gw !== owner)!;
    await pair(owner, PHONE);

    // Accepted by the node that does not run the number: stored, 202, and sent by the owner in order.
    const texts = ['first', 'second', 'third'];
    const accepted: MessageBody[] = [];
    for (const text of texts) accepted.push(await send(other, { from: PHONE, to: TO, message: text }));
    expect(accepted.map((m) => m.status)).toEqual(['queued', 'queued', 'queued']);
    expect(runner(other)).toBeUndefined();
    const ids = accepted.map((m) => m.id);
    const rows = await sentOnAll(gateways, ids);
    const sent = (await simSent(owner, PHONE)).filter((s) => texts.includes(s.message ?? ''));
    expect(sent.map((s) => s.message)).toEqual(texts);
    expect(rows.slice(0, 3).map((m) => m.waMessageId)).toEqual(sent.map((s) => s.message_id));
    // Both nodes answer the same row.
    expect(rows.slice(3).map(sentAs)).toEqual(rows.slice(0, 3).map(sentAs));
    expect(rows.map((m) => m.attempts)).toEqual([1, 1, 1, 1, 1, 1]);

    // An uploaded file is on the disk of the node that took it: the owner sends it; another node says why it cannot.
    const elsewhere = await uploadImage(other, 'uploaded elsewhere');
    expect(elsewhere).toMatchObject({ status: 409, body: { error: { code: 'UPLOAD_ON_OTHER_NODE' } } });
    const uploaded = await uploadImage(owner, 'uploaded on the owner');
    expect(uploaded.status).toBe(202);
    await waitForStatus(other, uploaded.body.id, SENT);
    expect((await simSent(owner, PHONE)).map((s) => s.caption)).toContain('uploaded on the owner');

    // One idempotency key through both nodes: one message.
    const key = { 'idempotency-key': 'order-77' };
    const once = await send(owner, { from: PHONE, to: TO, message: 'once' }, key);
    expect((await send(other, { from: PHONE, to: TO, message: 'once' }, key)).id).toBe(once.id);
    await waitForStatus(other, once.id, SENT);
    expect((await simSent(owner, PHONE)).filter((s) => s.message === 'once')).toHaveLength(1);

    // The owner leaves: the survivor takes the number over on its session, and sends what is accepted now.
    await cluster.close(owner);
    await waitFor(() => runner(other)?.session === 'logged_in' || null, { timeoutMs: 20_000, what: `${PHONE} logged in on the survivor` });
    const later = await send(other, { from: PHONE, to: TO, message: 'after the hand-over' });
    const after = await waitForStatus(other, later.id, SENT);
    expect((await simSent(other, PHONE)).filter((s) => s.message === 'after the hand-over').map((s) => s.message_id)).toEqual([after.waMessageId]);
    // What the former owner sent stays as it recorded it.
    for (const [index, id] of ids.entries()) expect(sentAs(await message(other, id))).toEqual(sentAs(rows[index]!));
  });
});
