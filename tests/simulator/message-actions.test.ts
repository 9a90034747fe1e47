/**
 * Message actions (§7 "Message"): read, reaction, revoke, delete, update, star, unstar — validation, the
 * answers, their effect on chat storage and the `/_sim/actions` record — and `GET /message/{id}/download`,
 * whose file is public under `/statics`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPairedSlot, createSlot, simActions, simIncoming } from '../helpers/sim-actions.js';
import { cleanupSims, IS_STAND_IN, startSim, type Envelope, type SimProcess } from '../helpers/sim-process.js';

const describeSim = IS_STAND_IN ? describe : describe.skip;

const ME = '628100@s.whatsapp.net';
const BOB = '628200@s.whatsapp.net';
const GROUP = '120363000000000009@g.us';
const STATUS = (what: string): RegExp =>
  new RegExp(`^${what} 628200@s\\.whatsapp\\.net \\(server timestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0000 UTC\\)$`);
const IMAGE = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('a real image, byte for byte')]);

interface Stored {
  id: string;
  content: string;
  reactions?: { emoji: string; sender_jid: string; is_from_me: boolean }[];
}
interface Download {
  message_id: string;
  status: string;
  media_type: string;
  filename: string;
  file_path: string;
  file_url: string;
  file_size: number;
}

let sim: SimProcess;
let text = '';
let image = '';
let inGroup = '';

const act = (id: string, action: string, body: Record<string, unknown>, deviceId = 'act') =>
  sim.api<Envelope<{ message_id: string; status: string }>>('POST', `/message/${id}/${action}`, body, { deviceId });
const stored = async (id: string, chat = BOB): Promise<Stored | undefined> => {
  const res = await sim.api<Envelope<{ data: Stored[] }>>('GET', `/chat/${chat}/messages`, undefined, { deviceId: 'act' });
  return res.json.results?.data.find((m) => m.id === id);
};
const download = (id: string, phone: string) =>
  sim.api<Envelope<Download>>('GET', `/message/${id}/download?phone=${phone}`, undefined, { deviceId: 'act' });

beforeAll(async () => {
  sim = await startSim({ basicAuth: 'u:p' });
  await createPairedSlot(sim, 'act', { jid: '628100', push_name: 'Me' });
  [text = ''] = await simIncoming(sim, { from: '628200', body: 'please call me' }, 'act');
  [image = ''] = await simIncoming(sim, { from: '628200', type: 'image', data_base64: IMAGE.toString('base64'), timestamp: '2026-03-01T10:00:00Z' }, 'act');
  [inGroup = ''] = await simIncoming(sim, { chat_id: GROUP, from: '628300', body: 'team note' }, 'act');
  await createSlot(sim, 'nocli');
});
afterAll(cleanupSims);

describeSim('validation and the pipeline order', () => {
  it.each([
    ['read', {}, 'phone: cannot be blank.'],
    ['reaction', {}, 'phone: cannot be blank.'],
    ['revoke', {}, 'phone: cannot be blank.'],
    ['delete', {}, 'phone: cannot be blank.'],
    ['update', { phone: '628200' }, 'message: cannot be blank.'],
    ['update', {}, 'message: cannot be blank; phone: cannot be blank.'],
    ['star', {}, 'phone: cannot be blank.'],
    ['unstar', {}, 'phone: cannot be blank.'],
  ])('/message/{id}/%s %j → 400', async (action, body, message) => {
    const res = await act(text, action, body);
    expect([res.status, res.json]).toEqual([400, { code: 'VALIDATION_ERROR', message }]);
  });

  it.each(['read', 'reaction', 'revoke', 'delete', 'update', 'star', 'unstar'])('/message/{id}/%s on a slot without a client → 500 INVALID_WA_CLI', async (action) => {
    const res = await act(text, action, { phone: '628200', message: 'x' }, 'nocli');
    expect([res.status, res.json]).toEqual([500, { code: 'INVALID_WA_CLI', message: 'your WhatsApp CLI is invalid or empty' }]);
  });

  it('download without phone → 400', async () => {
    const res = await sim.api('GET', `/message/${image}/download`, undefined, { deviceId: 'act' });
    expect([res.status, res.json]).toEqual([400, { code: 'VALIDATION_ERROR', message: 'phone: cannot be blank.' }]);
  });
});

describeSim('actions', () => {
  it('read marks the chat read on WhatsApp: recorded for /_sim/actions', async () => {
    const res = await act(text, 'read', { phone: '628200' });
    expect(res.json).toEqual({ code: 'SUCCESS', message: `Mark as read success ${text}`, results: { message_id: text, status: `Mark as read success ${text}` } });
    expect(await simActions(sim, 'read', 'act')).toEqual([
      { kind: 'read', chat_jid: BOB, message_id: text, detail: { sender_jid: ME }, at: expect.any(String) },
    ]);
  });

  it('read in a group names the original sender, and needs the message in chat storage', async () => {
    expect((await act(inGroup, 'read', { phone: GROUP })).status).toBe(200);
    expect((await simActions(sim, 'read', 'act')).at(-1)?.detail).toEqual({ sender_jid: '628300@s.whatsapp.net' });
    const unknown = await act('3AUNKNOWN', 'read', { phone: GROUP });
    expect([unknown.status, unknown.json]).toEqual([500, {
      code: 'INTERNAL_SERVER_ERROR', message: `message with ID 3AUNKNOWN not found for current device and chat ${GROUP}`,
    }]);
  });

  it('reaction: a new message id; the stored message carries our reaction until an empty emoji removes it', async () => {
    const res = await act(text, 'reaction', { phone: '628200', emoji: '🔥' });
    expect(res.json.results?.message_id).toMatch(/^3EB0[0-9A-F]{16}$/);
    expect(res.json.results?.status).toMatch(STATUS('Reaction sent to'));
    expect(res.json.message).toBe(res.json.results?.status);
    expect((await stored(text))?.reactions).toEqual([expect.objectContaining({ emoji: '🔥', sender_jid: ME, is_from_me: true })]);
    await act(text, 'reaction', { phone: '628200', emoji: '' });
    expect((await stored(text))?.reactions).toBeUndefined();
  });

  it('update: the stored text changes', async () => {
    const res = await act(text, 'update', { phone: '628200', message: 'please call me now' });
    expect(res.json.results?.status).toMatch(STATUS('Update message success'));
    expect((await stored(text))?.content).toBe('please call me now');
  });

  it.each([
    ['star', 'Starred message successfully'],
    ['unstar', 'Unstarred message successfully'],
  ])('%s answers "%s" without results, and is recorded', async (action, message) => {
    const res = await act(text, action, { phone: '628200' });
    expect(res.json).toEqual({ code: 'SUCCESS', message });
    expect((await simActions(sim, action, 'act')).map((a) => [a.chat_jid, a.message_id])).toEqual([[BOB, text]]);
  });

  it('revoke: a new message id, and the message leaves chat storage', async () => {
    const [victim = ''] = await simIncoming(sim, { from: '628200', body: 'to revoke' }, 'act');
    const res = await act(victim, 'revoke', { phone: '628200' });
    expect(res.json.results?.status).toMatch(STATUS('Revoke success'));
    expect(await stored(victim)).toBeUndefined();
  });

  it('delete (for me): "Message deleted successfully", the message leaves chat storage', async () => {
    const [victim = ''] = await simIncoming(sim, { from: '628200', body: 'to delete' }, 'act');
    expect(await stored(victim)).toBeDefined();
    const res = await act(victim, 'delete', { phone: '628200' });
    expect(res.json).toEqual({ code: 'SUCCESS', message: 'Message deleted successfully' });
    expect(await stored(victim)).toBeUndefined();
    expect((await simActions(sim, 'delete', 'act')).map((a) => a.message_id)).toEqual([victim]);
  });
});

describeSim('GET /message/{id}/download', () => {
  it('copies the media under statics/media/<chat>/<date>/ and answers where it is', async () => {
    const res = await download(image, '628200');
    const results = res.json.results;
    expect(res.json.message).toBe(results?.status);
    expect(results).toEqual({
      message_id: image,
      status: `Media downloaded successfully to ${results?.file_path}`,
      media_type: 'image',
      filename: expect.stringMatching(/^\d+-[0-9a-f-]{36}\.jpeg$/),
      file_path: `statics/media/628200/2026-03-01/${results?.filename}`,
      file_url: `${sim.baseUrl}/${results?.file_path}`,
      file_size: IMAGE.length,
    });
    expect(readFileSync(join(sim.cwd, results?.file_path ?? ''))).toEqual(IMAGE);
  });

  it('the file is public; a Range header is ignored (the binary\'s static handler serves whole files)', async () => {
    const { file_url: url = '' } = (await download(image, '628200')).json.results ?? {};
    const whole = await fetch(url);
    expect([whole.status, whole.headers.get('content-type'), Buffer.from(await whole.arrayBuffer())]).toEqual([200, 'image/jpeg', IMAGE]);
    const ranged = await fetch(url, { headers: { Range: 'bytes=0-3' } });
    expect([ranged.status, (await ranged.arrayBuffer()).byteLength]).toEqual([200, IMAGE.length]);
  });

  it('media this number sent can be downloaded too', async () => {
    const form = new FormData();
    form.set('phone', '628200');
    form.set('image', new Blob([IMAGE], { type: 'image/png' }), 'pic.png');
    const sent = await sim.api<Envelope<{ message_id: string }>>('POST', '/send/image', undefined, { raw: form, deviceId: 'act' });
    const res = await download(sent.json.results?.message_id ?? '', '628200');
    expect(res.json.results).toEqual(expect.objectContaining({ media_type: 'image', file_size: IMAGE.length, filename: expect.stringMatching(/\.png$/) }));
  });

  it.each([
    // Functions: the ids exist only once beforeAll ran.
    ['an unknown message', () => ['3AUNKNOWN', '628200', 'message with ID 3AUNKNOWN not found']],
    ['a message without media', () => [text, '628200', `message ${text} does not contain downloadable media`]],
    ['another chat', () => [image, '628999', `message ${image} does not belong to chat 628999@s.whatsapp.net`]],
  ])('%s → 500', async (_name, args) => {
    const [id = '', phone = '', message] = args();
    const res = await download(id, phone);
    expect([res.status, res.json]).toEqual([500, { code: 'INTERNAL_SERVER_ERROR', message }]);
  });

  it('media WhatsApp no longer has (/_sim/expire-media) → 500 download failed', async () => {
    const [old = ''] = await simIncoming(sim, { from: '628200', type: 'video' }, 'act');
    expect((await sim.api('POST', '/_sim/expire-media', { message_id: old }, { deviceId: 'act' })).json)
      .toEqual({ code: 'SUCCESS', message: 'Media expired', results: { message_id: old } });
    const res = await download(old, '628200');
    expect([res.status, res.json]).toEqual([500, { code: 'INTERNAL_SERVER_ERROR', message: 'failed to download media: download failed with status code 404' }]);
    const unknown = await sim.api('POST', '/_sim/expire-media', { message_id: '3ANOPE' }, { deviceId: 'act' });
    expect([unknown.status, unknown.json]).toEqual([404, { code: 'NOT_FOUND', message: 'message 3ANOPE is not in chat storage' }]);
  });

  it('file_url carries the base path', async () => {
    const based = await startSim({ env: { APP_BASE_PATH: '/gowa' } });
    await based.api('POST', '/gowa/devices', { device_id: 'b' });
    await based.api('GET', '/gowa/app/login');
    await based.api('POST', '/gowa/_sim/pair', {});
    const incoming = await based.api<Envelope<{ ids: string[] }>>('POST', '/gowa/_sim/incoming', { type: 'sticker' });
    const id = incoming.json.results?.ids[0] ?? '';
    const res = await based.api<Envelope<Download>>('GET', `/gowa/message/${id}/download?phone=6289876543210`);
    expect(res.json.results?.file_url).toBe(`${based.baseUrl}/gowa/${res.json.results?.file_path}`);
    expect((await fetch(res.json.results?.file_url ?? '')).status).toBe(200);
  });
});
