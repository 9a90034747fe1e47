/** FC-14 attachments: multipart `attachments[]`, file_type by the exact MIME lists, at most 15, data_url as a 3xx redirect (same host or cross-host). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cleanupFakeChatwoots, startFakeChatwoot, type FakeChatwoot } from '../helpers/fake-chatwoot.js';
import { waitFor } from '../helpers/wait.js';
import { A, conversationFor, seed } from './support.js';

interface AttachmentJson {
  id: number;
  file_type: string;
  data_url: string;
  thumb_url: string;
  file_size: number;
}

let cw: FakeChatwoot;
let conversationId: number;

beforeAll(async () => {
  cw = await startFakeChatwoot({ seed: seed() });
  ({ conversationId } = await conversationFor(cw));
});
afterAll(cleanupFakeChatwoots);

async function upload(parts: { name: string; type: string; data: Buffer }[], content = 'files'): Promise<{ status: number; json: { id: number; attachments?: AttachmentJson[] } & Record<string, unknown> }> {
  const form = new FormData();
  form.set('content', content);
  form.set('message_type', 'incoming');
  for (const part of parts) form.append('attachments[]', new Blob([part.data], { type: part.type }), part.name);
  return cw.api('POST', `${A}/conversations/${conversationId}/messages`, undefined, { raw: form });
}

describe('file_type from the part Content-Type', () => {
  it.each([
    ['image/jpeg', 'image'], ['image/png', 'image'], ['image/gif', 'image'], ['image/bmp', 'image'], ['image/webp', 'image'], ['image/jpg', 'image'],
    ['image/heic', 'file'], ['image/svg+xml', 'file'],
    ['video/mp4', 'video'], ['video/webm', 'video'], ['video/quicktime', 'video'], ['video/ogg', 'video'], ['video/3gpp', 'file'],
    ['audio/ogg', 'audio'], ['audio/mpeg', 'audio'], ['audio/ogg; codecs=opus', 'audio'],
    ['application/pdf', 'file'], ['text/plain', 'file'],
  ])('%s → %s', async (type, fileType) => {
    const res = await upload([{ name: 'f.bin', type, data: Buffer.from(type) }]);
    expect(res.status).toBe(200);
    expect(res.json.attachments?.[0]).toMatchObject({ file_type: fileType, file_size: Buffer.byteLength(type), account_id: 1, message_id: res.json.id });
  });
});

describe('stored as received', () => {
  it('the bytes, MIME type and file name of each part, in order', async () => {
    const parts = [
      { name: 'photo.jpg', type: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]) },
      { name: 'voice.ogg', type: 'audio/ogg', data: Buffer.from('OggS....') },
      { name: 'relatório final.pdf', type: 'application/pdf', data: Buffer.from('%PDF-1.4') },
    ];
    const res = await upload(parts);
    const stored = (await cw.messages({ accountId: 1, conversationId })).find((m) => m.id === res.json.id);
    const attachments = stored?.attachments as { id: number; filename: string; content_type: string; file_size: number }[];
    expect(attachments.map((a) => [a.filename, a.content_type, a.file_size])).toEqual(parts.map((p) => [p.name, p.type, p.data.length]));
    for (const [i, attachment] of attachments.entries()) {
      const raw = await fetch(`${cw.controlUrl}/_fake/attachments/${attachment.id}`);
      expect(Buffer.from(await raw.arrayBuffer()).equals(parts[i]?.data ?? Buffer.alloc(0))).toBe(true);
      expect(raw.headers.get('content-type')).toBe(parts[i]?.type);
    }
  });

  it('15 attachments are fine, 16 are 422', async () => {
    const part = { name: 'x.txt', type: 'text/plain', data: Buffer.from('x') };
    expect((await upload(Array.from({ length: 15 }, () => part))).status).toBe(200);
    const res = await upload(Array.from({ length: 16 }, () => part));
    expect(res.status).toBe(422);
    expect(res.json).toEqual({ error: 'Validation failed: Attachments exceeded maximum allowed' });
  });
});

describe('data_url is a redirect', () => {
  let attachment: AttachmentJson;
  const bytes = Buffer.from('the real bytes');

  beforeAll(async () => {
    const res = await upload([{ name: 'doc.pdf', type: 'application/pdf', data: bytes }]);
    attachment = res.json.attachments?.[0] as AttachmentJson;
  });

  it('on FRONTEND_URL under /rails/active_storage/blobs/redirect/', () => {
    expect(attachment.data_url.startsWith(`${cw.frontendUrl}/rails/active_storage/blobs/redirect/`)).toBe(true);
    expect(attachment.thumb_url).toBe('');
  });

  it.each([301, 302])('answers %i to the storage URL, which serves the bytes', async (status) => {
    await cw.knobs({ redirect_status: status });
    const first = await fetch(attachment.data_url, { redirect: 'manual' });
    expect(first.status).toBe(status);
    const location = first.headers.get('location') ?? '';
    expect(new URL(location).origin).toBe(new URL(cw.apiUrl).origin);
    const followed = await fetch(attachment.data_url);
    expect(followed.status).toBe(200);
    expect(followed.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await followed.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('can send the client to another origin (storage host), which serves the bytes', async () => {
    await cw.knobs({ redirect_status: 302, redirect_target: 'storage_host' });
    const first = await fetch(attachment.data_url, { redirect: 'manual' });
    const location = first.headers.get('location') ?? '';
    expect(new URL(location).origin).toBe(new URL(cw.storageUrl).origin);
    expect(new URL(location).origin).not.toBe(new URL(cw.apiUrl).origin);
    expect(Buffer.from(await (await fetch(attachment.data_url)).arrayBuffer()).equals(bytes)).toBe(true);
    await cw.knobs({ redirect_target: 'same_host' });
  });

  it('a client that does not follow redirects gets no bytes', async () => {
    const res = await fetch(attachment.data_url, { redirect: 'manual' });
    expect(Buffer.from(await res.arrayBuffer()).length).toBe(0);
  });

  it('storage URLs expire; a tampered signed id is a 404; blobs_missing makes storage answer 404', async () => {
    await cw.knobs({ storage_url_ttl_ms: 1 });
    const location = (await fetch(attachment.data_url, { redirect: 'manual' })).headers.get('location') ?? '';
    const handedOut = Date.now();
    await waitFor(() => Date.now() > handedOut + 1, { intervalMs: 2, what: 'the 1 ms storage URL lifetime to pass' });
    expect((await fetch(location)).status).toBe(404);
    await cw.knobs({ storage_url_ttl_ms: 300_000 });
    expect((await fetch(attachment.data_url.replace('/redirect/', '/redirect/x'))).status).toBe(404);
    await cw.knobs({ blobs_missing: true });
    expect((await fetch(attachment.data_url)).status).toBe(404);
    await cw.knobs({ blobs_missing: false });
  });

  it('images get a thumb_url that redirects too; audio is served inline', async () => {
    const res = await upload([{ name: 'p.png', type: 'image/png', data: Buffer.from('png') }, { name: 'a.ogg', type: 'audio/ogg', data: Buffer.from('ogg') }]);
    const [image, audio] = res.json.attachments ?? [];
    expect(image?.thumb_url).toContain('/rails/active_storage/representations/redirect/');
    expect((await fetch(image?.thumb_url ?? '')).status).toBe(200);
    expect(audio?.data_url).toMatch(/\?disposition=inline$/);
    expect((await fetch(audio?.data_url ?? '')).headers.get('content-disposition')).toMatch(/^inline; filename="a.ogg"/);
  });
});
