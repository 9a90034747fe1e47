/**
 * Sending and reading (docs/binary-contract.md §7): validation, the send pipeline order, result shapes, phone
 * normalisation, media by upload and by URL, chat routes, user routes, and the stand-in's fail-next and sent-log
 * control routes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { PNG } from 'pngjs';
import { createSlot } from '../helpers/sim-actions.js';
import { cleanupSims, freePort, IS_STAND_IN, startSim, type Envelope, type SimProcess } from '../helpers/sim-process.js';
import type { SentEntry } from '../../src/simulator/store/sent-repo.js';

const describeSim = IS_STAND_IN ? describe : describe.skip;

interface SendResults {
  message_id: string;
  status: string;
}

const PNG_BYTES = PNG.sync.write(new PNG({ width: 4, height: 4 }));
const STATUS = (noun: string, jid: string): RegExp =>
  new RegExp(`^${noun} sent to ${jid.replace(/\./g, '\\.')} \\(server timestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0000 UTC\\)$`);

let sim: SimProcess;
let media: Server;
let mediaUrl = '';

const send = (path: string, body: unknown) => sim.api<Envelope<SendResults>>('POST', path, body);
const upload = (path: string, fields: Record<string, string>, file?: { field: string; name: string; type: string; data: Buffer }) => {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  if (file) form.set(file.field, new Blob([file.data], { type: file.type }), file.name);
  return sim.api<Envelope<SendResults>>('POST', path, undefined, { raw: form });
};

beforeAll(async () => {
  media = createServer((req, res) => {
    res.writeHead(req.url === '/missing.png' ? 404 : 200, { 'Content-Type': req.url?.endsWith('.pdf') ? 'application/pdf' : 'image/png' });
    res.end(PNG_BYTES);
  });
  await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
  mediaUrl = `http://127.0.0.1:${(media.address() as { port: number }).port}`;
  sim = await startSim({ env: { SIM_ACK_DELAY_MS: '20' } });
  await createSlot(sim, 'snd');
});
afterAll(async () => {
  await cleanupSims();
  await new Promise((resolve) => media.close(resolve));
});

describe('pipeline before login', () => {
  it('validation comes first, with ozzo messages (keys sorted)', async () => {
    const res = await send('/send/message', {});
    expect([res.status, res.json]).toEqual([400, { code: 'VALIDATION_ERROR', message: 'message: cannot be blank; phone: cannot be blank.' }]);
  });

  it('a slot without a client → 500 INVALID_WA_CLI', async () => {
    const res = await send('/send/message', { phone: '628222', message: 'hi' });
    expect([res.status, res.json]).toEqual([500, { code: 'INVALID_WA_CLI', message: 'your WhatsApp CLI is invalid or empty' }]);
  });

  it('a client that is not logged in → 401 AUTHENTICATION_ERROR', async () => {
    await sim.api('GET', '/app/login');
    const res = await send('/send/message', { phone: '628222', message: 'hi' });
    expect([res.status, res.json.code]).toEqual([401, 'AUTHENTICATION_ERROR']);
  });
});

describeSim('sending when logged in', () => {
  beforeAll(async () => {
    await sim.api('POST', '/_sim/pair', {});
  });

  it('/send/message answers {message_id, status}; the status is also the envelope message', async () => {
    const res = await send('/send/message', { phone: '628222', message: 'Hello' });
    expect(res.status).toBe(200);
    expect(res.json.code).toBe('SUCCESS');
    expect(res.json.results?.message_id).toMatch(/^3EB0[0-9A-F]{16}$/);
    expect(res.json.results?.status).toMatch(STATUS('Message', '628222@s.whatsapp.net'));
    expect(res.json.message).toBe(res.json.results?.status);
  });

  it.each([
    ['+628333', '628333@s.whatsapp.net'],
    ['628444@s.whatsapp.net', '628444@s.whatsapp.net'],
    ['120363025246125486', '120363025246125486@g.us'],
  ])('normalises %s to %s', async (phone, jid) => {
    const res = await send('/send/message', { phone, message: 'x' });
    expect(res.json.results?.status).toMatch(STATUS('Message', jid));
  });

  it('a number not on WhatsApp (stand-in rule: starts with 999) → 400 INVALID_JID', async () => {
    const res = await send('/send/message', { phone: '999123', message: 'x' });
    expect([res.status, res.json]).toEqual([400, { code: 'INVALID_JID', message: 'Phone 999123@s.whatsapp.net is not on whatsapp' }]);
  });

  it('/send/image by multipart upload and by image_url; bad inputs are rejected', async () => {
    const byUpload = await upload('/send/image', { phone: '628555', caption: 'pic' }, { field: 'image', name: 'a.png', type: 'image/png', data: PNG_BYTES });
    expect(byUpload.json.results?.status).toMatch(STATUS('Message', '628555@s.whatsapp.net'));
    const byUrl = await send('/send/image', { phone: '628555', image_url: `${mediaUrl}/a.png` });
    expect(byUrl.status).toBe(200);
    const neither = await send('/send/image', { phone: '628555' });
    expect([neither.status, neither.json.code]).toEqual([400, 'VALIDATION_ERROR']);
    const wrongType = await upload('/send/image', { phone: '628555' }, { field: 'image', name: 'a.txt', type: 'text/plain', data: Buffer.from('x') });
    expect([wrongType.status, wrongType.json.code]).toEqual([400, 'VALIDATION_ERROR']);
    const refused = await send('/send/image', { phone: '628555', image_url: `http://127.0.0.1:${await freePort()}/a.png` });
    expect([refused.status, refused.json.code]).toEqual([500, 'INTERNAL_SERVER_ERROR']);
    expect(refused.json.message).toContain('connection refused');
  });

  it('/send/file answers "Document sent to …"', async () => {
    const byUpload = await upload('/send/file', { phone: '628666' }, { field: 'file', name: 'report.pdf', type: 'application/pdf', data: Buffer.from('%PDF-1.4') });
    expect(byUpload.json.results?.status).toMatch(STATUS('Document', '628666@s.whatsapp.net'));
    const byUrl = await send('/send/file', { phone: '628666', file_url: `${mediaUrl}/doc.pdf`, caption: 'c' });
    expect(byUrl.json.results?.status).toMatch(STATUS('Document', '628666@s.whatsapp.net'));
  });

  it('/_sim/sent lists every successful send in order', async () => {
    const res = await sim.api<Envelope<{ sent: SentEntry[] }>>('GET', '/_sim/sent');
    const sent = res.json.results?.sent ?? [];
    expect(sent.map((e) => [e.route, e.phone])).toEqual([
      ['/send/message', '628222@s.whatsapp.net'],
      ['/send/message', '628333@s.whatsapp.net'],
      ['/send/message', '628444@s.whatsapp.net'],
      ['/send/message', '120363025246125486@g.us'],
      ['/send/image', '628555@s.whatsapp.net'],
      ['/send/image', '628555@s.whatsapp.net'],
      ['/send/file', '628666@s.whatsapp.net'],
      ['/send/file', '628666@s.whatsapp.net'],
    ]);
    expect(sent[0]).toMatchObject({ message: 'Hello', message_id: expect.stringMatching(/^3EB0/) });
    expect(sent[4]).toMatchObject({ caption: 'pic', size: PNG_BYTES.length });
    expect(sent[6]).toMatchObject({ filename: 'report.pdf', size: 8 });
    expect(sent[7]).toMatchObject({ filename: 'doc.pdf', caption: 'c' });
  });

  it('/_sim/fail-next: injected failures, then slow successes, consumed in order', async () => {
    const before = (await sim.api<Envelope<{ sent: SentEntry[] }>>('GET', '/_sim/sent')).json.results?.sent.length ?? 0;
    const queued = await sim.api('POST', '/_sim/fail-next', { count: 1, status: 429 });
    expect(queued.json).toEqual({ code: 'SUCCESS', message: 'Failure injection queued', results: { pending: 1 } });
    await sim.api('POST', '/_sim/fail-next', { count: 1, status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'boom' });
    await sim.api('POST', '/_sim/fail-next', { count: 1, delay_ms: 300 });
    expect((await sim.api('GET', '/_sim/fail-next')).json).toEqual({ code: 'SUCCESS', message: 'Failure injections queued', results: { pending: 3 } });
    const limited = await send('/send/message', { phone: '628222', message: 'a' });
    expect([limited.status, limited.json.code]).toEqual([429, 'WA_REACHOUT_TIMELOCK']);
    const boom = await send('/send/message', { phone: '628222', message: 'b' });
    expect([boom.status, boom.json]).toEqual([500, { code: 'INTERNAL_SERVER_ERROR', message: 'boom' }]);
    const started = Date.now();
    const slow = await send('/send/message', { phone: '628222', message: 'c' });
    expect(slow.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect((await send('/send/message', { phone: '628222', message: 'd' })).status).toBe(200);
    expect((await sim.api('GET', '/_sim/fail-next')).json).toMatchObject({ results: { pending: 0 } });
    const after = (await sim.api<Envelope<{ sent: SentEntry[] }>>('GET', '/_sim/sent')).json.results?.sent ?? [];
    expect(after.slice(before).map((e) => e.message)).toEqual(['c', 'd']);
  });

  it('/chats and /chat/{jid}/messages show what was sent and received', async () => {
    await sim.api('POST', '/_sim/incoming', { from: '628222', body: 'reply', from_name: 'Bob' });
    const chats = await sim.api<Envelope<{ data: { jid: string; name: string }[]; pagination: { total: number } }>>('GET', '/chats');
    expect(chats.json.message).toBe('Success get chat list');
    expect(chats.json.results?.data.map((c) => c.jid)).toContain('628222@s.whatsapp.net');
    const messages = await sim.api<Envelope<{ data: { content: string; is_from_me: boolean }[]; pagination: { limit: number; total: number }; chat_info: { jid: string } }>>(
      'GET', '/chat/628222@s.whatsapp.net/messages?limit=2');
    expect(messages.json.results?.data).toEqual([
      expect.objectContaining({ content: 'reply', is_from_me: false }),
      expect.objectContaining({ content: 'd', is_from_me: true }),
    ]);
    expect(messages.json.results?.pagination).toEqual({ limit: 2, offset: 0, total: 4 });
    expect(messages.json.results?.chat_info.jid).toBe('628222@s.whatsapp.net');
  });

  it('/user/check and /user/info', async () => {
    const yes = await sim.api('GET', '/user/check?phone=628222');
    expect(yes.json).toEqual({ code: 'SUCCESS', message: 'Success check user', results: { is_on_whatsapp: true } });
    const no = await sim.api<Envelope<{ is_on_whatsapp: boolean }>>('GET', '/user/check?phone=999000');
    expect(no.json.results?.is_on_whatsapp).toBe(false);
    const blank = await sim.api('GET', '/user/check');
    expect([blank.status, blank.json]).toEqual([400, { code: 'VALIDATION_ERROR', message: 'phone: cannot be blank.' }]);
    const info = await sim.api<Envelope<{ data: { devices: unknown[] }[] }>>('GET', '/user/info?phone=628222');
    expect(info.json.results?.data[0]?.devices.length).toBe(1);
  });

  it('the sent log survives a restart (exactly-once checks across crashes)', async () => {
    const before = (await sim.api<Envelope<{ sent: SentEntry[] }>>('GET', '/_sim/sent')).json.results?.sent;
    await sim.stop();
    sim = await startSim({ cwd: sim.cwd, env: { SIM_AUTOCONNECT_DELAY_MS: '0' } });
    const after = (await sim.api<Envelope<{ sent: SentEntry[] }>>('GET', '/_sim/sent')).json.results?.sent;
    expect(after).toEqual(before);
  });
});
