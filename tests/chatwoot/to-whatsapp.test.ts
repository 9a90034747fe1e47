/**
 * Chatwoot → WhatsApp: an agent's reply (text, attachments) reaches the number's child once — also when Chatwoot
 * delivers its webhook twice — with its receipts as the Chatwoot status; the bridge's own messages, customers'
 * messages and private notes never go out; a bad or missing signature, an unknown binding or malformed JSON are
 * 401/404/400 with nothing sent; an attachment over the limit or unreachable fails the message with the reason.
 * Each reply taken is audited as a send (by the bridge, naming the agent); each refusal by the audit trail.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditRows, auditSettled, lastAuditId } from '../helpers/access.js';
import { chatwootSignature } from '../helpers/fake-chatwoot.js';
import { waitFor } from '../helpers/wait.js';
import { boundNumber, conversationOf, cwMessages, deliver, sentByChild, startBridge, type Bridge } from './support.js';

const PHONE = '5511950000101';
const CUSTOMER = '6289876543210';
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]);

let b: Bridge;
let conversation = 0;
let hookUrl = '';

beforeAll(async () => {
  b = await startBridge({ env: { CHATWOOT_ATTACHMENT_MAX_MB: '1' } });
  const binding = await boundNumber(b, PHONE, 1);
  hookUrl = String(binding['webhookUrl']);
  const [first] = await deliver(b.gw, PHONE, { body: 'hi, can you help?' });
  conversation = await conversationOf(b.cw, first ?? '');
});
afterAll(async () => {
  await b?.close();
});

const sentTexts = async () => (await sentByChild(b.gw, PHONE)).map((s) => s.message ?? s.caption ?? `(${s.route})`);

describe('an agent’s reply', () => {
  it('reaches WhatsApp once, to the customer, and Chatwoot shows it delivered, then read', async () => {
    const mark = lastAuditId(b.gw);
    const { message } = await b.cw.agentMessage(1, conversation, { content: 'Sure, what is your order number?' });
    await waitFor(async () => (await sentTexts()).includes('Sure, what is your order number?'), { what: 'the reply sent by the child' });
    const sent = (await sentByChild(b.gw, PHONE)).filter((s) => s.message === 'Sure, what is your order number?');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.phone).toBe(`${CUSTOMER}@s.whatsapp.net`);
    await waitFor(async () => (await cwMessages(b.cw)).find((m) => m.id === message['id'])?.status === 'read', { what: 'read in Chatwoot' });
    // One audit row, written with the step that sends it: the bridge acted, the agent and the recipient named, no text.
    await auditSettled(b.gw);
    const rows = auditRows(b.gw, mark).filter((r) => r.action.startsWith('chatwoot.'));
    expect(rows).toEqual([
      expect.objectContaining({ action: 'chatwoot.reply', result: 'ok', actor_type: 'system', phone_number: PHONE, target_type: 'chatwoot_message', target_id: String(message['id']) }),
    ]);
    expect(JSON.parse(rows[0]?.params ?? '{}')).toEqual({ agent: expect.any(String), conversationId: conversation, to: `${CUSTOMER}@s.whatsapp.net`, attachments: 0 });
  });

  it('is sent once when Chatwoot delivers the webhook twice (same and new delivery ids)', async () => {
    let thriceId = 0;
    let againId = 0;
    await b.cw.knobs({ webhook_duplicates: 2 });
    try {
      const thrice = await b.cw.agentMessage(1, conversation, { content: 'this one comes three times' });
      thriceId = Number(thrice.message['id']);
      expect(thrice.deliveries.filter((d) => d['event'] === 'message_created' && d['status'] === 200)).toHaveLength(3);
      await b.cw.knobs({ webhook_duplicate_same_delivery_id: true });
      const again = await b.cw.agentMessage(1, conversation, { content: 'and this one too' });
      againId = Number(again.message['id']);
      expect(new Set(again.deliveries.filter((d) => d['event'] === 'message_created').map((d) => d['delivery_id'])).size).toBe(1);
    } finally {
      await b.cw.knobs({ webhook_duplicates: 0, webhook_duplicate_same_delivery_id: false });
    }
    await waitFor(async () => (await sentTexts()).includes('and this one too'), { what: 'both sent' });
    const texts = await sentTexts();
    expect(texts.filter((t) => t === 'this one comes three times')).toHaveLength(1);
    const audited = auditRows(b.gw).filter((r) => r.action === 'chatwoot.reply' && [thriceId, againId].includes(Number(r.target_id)));
    expect(audited).toHaveLength(2);
    expect(texts.filter((t) => t === 'and this one too')).toHaveLength(1);
  });

  it('with attachments: each file is sent with the text as the first caption, downloaded through the redirect to another host', async () => {
    await b.cw.knobs({ redirect_target: 'storage_host', redirect_status: 301 });
    await b.cw.agentMessage(1, conversation, {
      content: 'here is the label and the form',
      attachments: [
        { filename: 'label.jpg', content_type: 'image/jpeg', data_base64: JPEG.toString('base64') },
        { filename: 'form.pdf', content_type: 'application/pdf', data_base64: Buffer.from('%PDF-1.4 form').toString('base64') },
      ],
    });
    const sent = await waitFor(async () => {
      const all = await sentByChild(b.gw, PHONE);
      const image = all.find((s) => s.route === '/send/image' && s.caption === 'here is the label and the form');
      const file = all.find((s) => s.route === '/send/file' && s.filename === 'form.pdf');
      return image && file ? { image, file } : null;
    }, { what: 'the image and the file sent' });
    expect(sent.image.size).toBe(JPEG.length);
    expect(sent.file.caption ?? '').toBe('');
  });

  it('with an attachment over the limit, or one Chatwoot cannot serve: nothing of it is sent and Chatwoot marks it failed with why', async () => {
    const big = await b.cw.agentMessage(1, conversation, { content: 'too big', attachments: [{ filename: 'big.pdf', content_type: 'application/pdf', data_base64: Buffer.alloc(1_200_000, 1).toString('base64') }] });
    const failedBig = await waitFor(async () => (await cwMessages(b.cw)).find((m) => m.id === big.message['id'] && m.status === 'failed'), { what: 'failed (too large)' });
    expect(String(failedBig.content_attributes['external_error'])).toMatch(/larger than 1 MB/);

    await b.cw.knobs({ blobs_missing: true });
    try {
      const missing = await b.cw.agentMessage(1, conversation, { content: 'gone file', attachments: [{ filename: 'x.pdf', content_type: 'application/pdf', data_base64: Buffer.from('x').toString('base64') }] });
      const failed = await waitFor(async () => (await cwMessages(b.cw)).find((m) => m.id === missing.message['id'] && m.status === 'failed'), { what: 'failed (unreachable)' });
      expect(String(failed.content_attributes['external_error'])).toMatch(/HTTP 404/);
    } finally {
      await b.cw.knobs({ blobs_missing: false });
    }
    // A later reply in the same conversation is not held back.
    await b.cw.agentMessage(1, conversation, { content: 'after the failures' });
    await waitFor(async () => (await sentTexts()).includes('after the failures'), { what: 'the next reply' });
    const texts = await sentTexts();
    expect(texts).not.toContain('too big');
    expect(texts).not.toContain('gone file');
  });

  it('that WhatsApp refuses (not on WhatsApp) is marked failed in Chatwoot with the reason', async () => {
    const [first] = await deliver(b.gw, PHONE, { from: '9995551234567', body: 'a number that is not on WhatsApp for replies' });
    const conv = await conversationOf(b.cw, first ?? '');
    const { message } = await b.cw.agentMessage(1, conv, { content: 'this cannot be delivered' });
    const failed = await waitFor(async () => (await cwMessages(b.cw)).find((m) => m.id === message['id'] && m.status === 'failed'), { what: 'failed in Chatwoot' });
    expect(String(failed.content_attributes['external_error'])).toMatch(/.+/);
  });
});

describe('what never goes to WhatsApp', () => {
  it('private notes, the customer’s own messages and the bridge’s own posts', async () => {
    const before = (await sentByChild(b.gw, PHONE)).length;
    await b.cw.agentMessage(1, conversation, { content: 'internal: check stock', private: true });
    await deliver(b.gw, PHONE, { body: 'customer writes again' });
    await deliver(b.gw, PHONE, { is_from_me: true, chat_id: `${CUSTOMER}@s.whatsapp.net`, body: 'typed on the phone' });
    // Something that does go out, after them: when it is there, the others had their chance.
    await b.cw.agentMessage(1, conversation, { content: 'marker after the others' });
    await waitFor(async () => (await sentTexts()).includes('marker after the others'), { what: 'the marker' });
    const after = (await sentByChild(b.gw, PHONE)).slice(before).map((s) => s.message);
    expect(after).toEqual(['marker after the others']);
  });
});

describe('the webhook endpoint', () => {
  const body = (content: string) =>
    JSON.stringify({ event: 'message_created', id: 999_000 + content.length, message_type: 'outgoing', private: false, content, conversation: { id: conversation, contact_inbox: { source_id: `wamp:${CUSTOMER}@s.whatsapp.net` } }, inbox: { id: 1 } });
  const post = (url: string, raw: string, headers: Record<string, string>) => fetch(url, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', ...headers } });
  const signed = (raw: string, secret: string, ts = Math.floor(Date.now() / 1000)) => ({ 'x-chatwoot-timestamp': String(ts), 'x-chatwoot-signature': chatwootSignature(secret, String(ts), Buffer.from(raw)) });

  it('refuses a missing, wrong or stale signature, an unknown binding and malformed JSON; nothing is sent', async () => {
    const state = await b.cw.state(1);
    const secret = String((state['inboxes'] as { id: number; secret: string }[]).find((i) => i.id === 1)?.secret);
    const raw = body('forged reply');
    const mark = lastAuditId(b.gw);
    expect((await post(hookUrl, raw, {})).status).toBe(401);
    expect((await post(hookUrl, raw, signed(raw, 'not-the-secret'))).status).toBe(401);
    expect((await post(hookUrl, raw, signed(raw, secret, Math.floor(Date.now() / 1000) - 3600))).status).toBe(401);
    expect((await post(hookUrl.replace(/[^/]+$/, 'unknownhookid'), raw, signed(raw, secret))).status).toBe(404);
    expect((await post(hookUrl, '{"event": "message_cr', signed('{"event": "message_cr', secret))).status).toBe(400);
    // A correctly signed copy of the same body does go out: the refusals above were about the checks alone.
    const good = body('signed reply');
    expect((await post(hookUrl, good, signed(good, secret))).status).toBe(200);
    await waitFor(async () => (await sentTexts()).includes('signed reply'), { what: 'the signed reply' });
    expect(await sentTexts()).not.toContain('forged reply');
    // Each refusal is in the audit log (the number named once the URL named a binding; the URL's secret never).
    await auditSettled(b.gw);
    const rows = auditRows(b.gw, mark).filter((r) => r.action.startsWith('chatwoot.'));
    expect(rows.map((r) => [r.action, r.result, r.http_status, r.phone_number])).toEqual([
      ['chatwoot.webhook', 'denied', 401, PHONE],
      ['chatwoot.webhook', 'denied', 401, PHONE],
      ['chatwoot.webhook', 'denied', 401, PHONE],
      ['chatwoot.webhook', 'error', 404, null],
      ['chatwoot.webhook', 'error', 400, PHONE],
      ['chatwoot.reply', 'ok', null, PHONE],
    ]);
    const hookId = hookUrl.split('/').pop() ?? '';
    expect(JSON.stringify(rows)).not.toContain(hookId);
  });
});
