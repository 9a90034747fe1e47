/**
 * The send routes beyond message / image / file (§7 "Send"): video, audio, sticker, contact, link,
 * location, poll, presence and chat-presence — validation texts, the pipeline order, answers, what lands
 * in chat storage and the sent log, and the `message.ack` receipts that follow a send.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { createPairedSlot, createSlot, simActions } from '../helpers/sim-actions.js';
import { cleanupSims, IS_STAND_IN, startSim, type Envelope, type SimProcess } from '../helpers/sim-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/sim-webhooks.js';

const describeSim = IS_STAND_IN ? describe : describe.skip;

interface SendResults {
  message_id: string;
  status: string;
}
interface Upload {
  field: string;
  name: string;
  type: string;
  data?: Buffer;
}
type Body = Record<string, unknown> | { form: Record<string, string>; file?: Upload };

const BOB = '628200@s.whatsapp.net';
const LOCAL = 'phone number must be in international format (should not start with 0). For Indonesian numbers, use 62xxx format instead of 08xxx';
const AUDIO_TYPES = 'audio/aac,audio/amr,audio/flac,audio/m4a,audio/m4r,audio/mp3,audio/mpeg,audio/ogg,audio/vnd.wav,audio/vnd.wave,audio/wav,audio/wave,audio/wma,audio/x-ms-wma,audio/x-pn-wav,audio/x-wav,';
const status = (verb: string, jid = BOB): RegExp =>
  new RegExp(`^${verb} ${jid.replace(/\./g, '\\.')} \\(server timestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0000 UTC\\)$`);

let sim: SimProcess;
let hooks: WebhookReceiver;
let media: Server;
let mediaUrl = '';

function send(path: string, body: Body, deviceId = 'snd') {
  if (!('form' in body)) return sim.api<Envelope<SendResults>>('POST', path, body, { deviceId });
  const form = new FormData();
  for (const [key, value] of Object.entries(body.form as Record<string, string>)) form.set(key, value);
  const file = body.file as Upload | undefined;
  if (file) form.set(file.field, new Blob([file.data ?? Buffer.from('bytes')], { type: file.type }), file.name);
  return sim.api<Envelope<SendResults>>('POST', path, undefined, { raw: form, deviceId });
}
const upload = (form: Record<string, string>, field: string, name: string, type: string): Body => ({ form, file: { field, name, type } });

beforeAll(async () => {
  media = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': req.url?.endsWith('.mp4') ? 'video/mp4' : 'image/png' });
    res.end(Buffer.from('downloaded media'));
  });
  await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
  mediaUrl = `http://127.0.0.1:${(media.address() as { port: number }).port}`;
  hooks = await startWebhookReceiver();
  sim = await startSim({ env: { WHATSAPP_WEBHOOK: hooks.url, SIM_ACK_DELAY_MS: '20' } });
  await createPairedSlot(sim, 'snd', { jid: '628100' });
  await createSlot(sim, 'nocli');
});
afterAll(async () => {
  await cleanupSims();
  await hooks.close();
  await new Promise((resolve) => media.close(resolve));
});

describeSim('validation (400 VALIDATION_ERROR)', () => {
  const phone = '628200';
  it.each<[string, Body, string]>([
    ['/send/video', {}, 'phone: cannot be blank.'],
    ['/send/video', { phone: '0812345' }, LOCAL],
    ['/send/video', { phone }, 'either Video or VideoURL must be provided'],
    ['/send/video', { phone, video_url: 'not a url' }, 'VideoURL must be a valid URL'],
    ['/send/video', upload({ phone, video_url: 'http://x.test/a.mp4' }, 'video', 'a.mp4', 'video/mp4'), 'cannot provide both Video and VideoURL'],
    ['/send/video', upload({ phone }, 'video', 'a.gif', 'image/gif'), 'your video type is not allowed. please use mp4/mkv/avi/x-msvideo'],
    ['/send/audio', { phone }, 'either Audio or AudioURL must be provided'],
    ['/send/audio', upload({ phone }, 'audio', 'a.txt', 'text/plain'), `your audio type is not allowed. please use (${AUDIO_TYPES})`],
    ['/send/sticker', { phone }, 'either Sticker or StickerURL must be provided'],
    ['/send/sticker', upload({ phone, sticker_url: 'http://x.test/s.png' }, 'sticker', 's.png', 'image/png'), 'cannot provide both Sticker file and StickerURL'],
    ['/send/sticker', upload({ phone }, 'sticker', 's.bmp', 'image/bmp'), 'your sticker is not allowed. please use jpg/jpeg/png/webp/gif'],
    ['/send/contact', {}, 'contact_name: cannot be blank; contact_phone: cannot be blank; phone: cannot be blank.'],
    ['/send/contact', { phone, contact_name: 'C', contact_phone: '0812' }, `contact ${LOCAL}`],
    ['/send/link', {}, 'caption: cannot be blank; link: cannot be blank; phone: cannot be blank.'],
    ['/send/link', { phone, link: 'no url', caption: 'c' }, 'link: must be a valid URL.'],
    ['/send/location', {}, 'latitude: cannot be blank; longitude: cannot be blank; phone: cannot be blank.'],
    ['/send/location', { phone, latitude: '91', longitude: '181' }, 'latitude: must be a valid latitude; longitude: must be a valid longitude.'],
    ['/send/poll', { phone, question: 'q' }, 'options: cannot be blank.'],
    ['/send/poll', { options: ['a', 'b'] }, 'max_answer: cannot be blank; phone: cannot be blank; question: cannot be blank.'],
    ['/send/poll', { phone, question: 'q', options: ['a', 'b'], max_answer: 3 }, 'max_answer: must be no greater than 2.'],
    ['/send/poll', { phone, question: 'q', options: ['a', 'b'], max_answer: -1 }, 'max_answer: must be no less than 1.'],
    ['/send/poll', { phone, question: 'q', options: ['a', ''], max_answer: 1 }, 'options: (1: cannot be blank.).'],
    ['/send/poll', { phone, question: 'q', options: ['a', 'a'], max_answer: 1 }, 'options should be unique'],
    ['/send/presence', { type: 'busy' }, 'type: must be a valid value.'],
    ['/send/chat-presence', {}, 'action: cannot be blank; phone: cannot be blank.'],
    ['/send/chat-presence', { phone, action: 'typing' }, 'action: must be a valid value.'],
    ['/send/message', { phone, message: 'm', duration: 5 }, 'duration must be one of: 0 (no expiry), 86400 (24h), 604800 (7d), 7776000 (90d)'],
    ['/send/message', { phone: '+0812', message: 'm' }, LOCAL],
  ])('%s %j', async (path, body, message) => {
    const res = await send(path, body);
    expect([res.status, res.json]).toEqual([400, { code: 'VALIDATION_ERROR', message }]);
  });

  it('a JSON value of the wrong type is a Go binder error (500)', async () => {
    const res = await send('/send/location', { phone, latitude: -6.2, longitude: 106.8 });
    expect([res.status, res.json]).toEqual([500, {
      code: 'INTERNAL_SERVER_ERROR', message: 'json: cannot unmarshal number into Go struct field LocationRequest.latitude of type string',
    }]);
  });
});

/** Valid sends: route, body (a function when it needs the media server's port), status verb, stored row. */
const SENDS: readonly [string, Body | (() => Body), string, Record<string, unknown>][] = [
  ['/send/video', upload({ phone: '628200', caption: 'clip' }, 'video', 'clip.mp4', 'video/mp4'), 'Video sent to',
    { media_type: 'video', content: 'clip', filename: 'clip.mp4' }],
  ['/send/video', () => ({ phone: '628200', video_url: `${mediaUrl}/v.mp4` }), 'Video sent to', { media_type: 'video', filename: 'v.mp4' }],
  ['/send/audio', upload({ phone: '628200' }, 'audio', 'voice.ogg', 'audio/ogg'), 'Send audio success', { media_type: 'audio', content: '' }],
  ['/send/sticker', upload({ phone: '628200' }, 'sticker', 's.png', 'image/png'), 'Sticker sent to', { media_type: 'sticker' }],
  ['/send/contact', { phone: '628200', contact_name: 'Carol', contact_phone: '6281111' }, 'Contact sent to', { content: '👤 Carol', media_type: '' }],
  ['/send/link', { phone: '628200', link: 'https://example.com/page', caption: 'see this' }, 'Link sent to', { content: '🔗 see this' }],
  ['/send/location', { phone: '628200', latitude: '-6.2', longitude: '106.8' }, 'Send location success', { content: '📍 -6.2, 106.8' }],
  ['/send/poll', { phone: '628200', question: 'Lunch?', options: ['Pizza', 'Sushi'], max_answer: 1 }, 'Send poll success', { content: '📊 Lunch?' }],
];
const VALID = SENDS.flatMap(([path, body]) => (typeof body === 'function' ? [] : [[path, body] as const]));

describeSim('the pipeline after validation', () => {
  it.each(VALID)('%s on a slot without a client → 500 INVALID_WA_CLI', async (path, body) => {
    const res = await send(path, body, 'nocli');
    expect([res.status, res.json]).toEqual([500, { code: 'INVALID_WA_CLI', message: 'your WhatsApp CLI is invalid or empty' }]);
  });

  it.each(VALID)('%s to a number not on WhatsApp → 400 INVALID_JID', async (path, body) => {
    const other = 'form' in body
      ? { ...body, form: { ...(body.form as Record<string, string>), phone: '999111' } }
      : { ...body, phone: '999111' };
    const res = await send(path, other);
    expect([res.status, res.json]).toEqual([400, { code: 'INVALID_JID', message: 'Phone 999111@s.whatsapp.net is not on whatsapp' }]);
  });
});

describeSim('sending', () => {
  const sent = new Map<string, string>();

  it.each(SENDS)('%s (case %#): the route\'s status text, stored in chat storage as sent by this number', async (path, body, verb, row) => {
    const res = await send(path, typeof body === 'function' ? body() : body);
    expect(res.status).toBe(200);
    expect(res.json.results?.message_id).toMatch(/^3EB0[0-9A-F]{16}$/);
    expect(res.json.results?.status).toMatch(status(verb));
    expect(res.json.message).toBe(res.json.results?.status);
    const id = res.json.results?.message_id ?? '';
    sent.set(id, path);
    const page = await sim.api<Envelope<{ data: Record<string, unknown>[] }>>('GET', `/chat/${BOB}/messages`, undefined, { deviceId: 'snd' });
    expect(page.json.results?.data.find((m) => m.id === id)).toEqual(expect.objectContaining({
      is_from_me: true, sender_jid: '628100@s.whatsapp.net', chat_jid: BOB, ...row,
    }));
  });

  it('every send is acknowledged: message.ack delivered and read', async () => {
    for (const id of sent.keys()) {
      const acks = await hooks.waitForCount((h) => h.event === 'message.ack' && (h.json.payload.ids as string[])[0] === id, 2);
      // Each webhook is posted on its own (as the binary does), so under load the two may arrive either way round.
      expect(acks.map((a) => a.json.payload.receipt_type).sort()).toEqual(['delivered', 'read']);
    }
  });

  it('the sent log has each send with its route', async () => {
    const res = await sim.api<Envelope<{ sent: { message_id: string; route: string }[] }>>('GET', '/_sim/sent', undefined, { deviceId: 'snd' });
    const routes = new Map(res.json.results?.sent.map((entry) => [entry.message_id, entry.route]));
    for (const [id, path] of sent) expect(routes.get(id)).toBe(path);
  });

  it('/send/presence: no message, no receipt; recorded for /_sim/actions', async () => {
    const res = await send('/send/presence', { type: 'available' });
    expect(res.json).toEqual({ code: 'SUCCESS', message: 'Send presence success available', results: { message_id: 'presence', status: 'Send presence success available' } });
    expect((await simActions(sim, 'presence', 'snd')).map((a) => a.detail)).toEqual([{ type: 'available' }]);
  });

  it.each([
    ['start', 'composing'],
    ['stop', 'paused'],
  ])('/send/chat-presence %s', async (action, state) => {
    const res = await send('/send/chat-presence', { phone: '628200', action });
    const text = `Send chat presence ${action} typing success ${BOB}`;
    expect(res.json).toEqual({ code: 'SUCCESS', message: text, results: { message_id: `chat-presence-${action}`, status: text } });
    expect((await simActions(sim, 'chat_presence', 'snd')).at(-1)).toEqual(expect.objectContaining({ chat_jid: BOB, detail: { action, state } }));
  });
});
