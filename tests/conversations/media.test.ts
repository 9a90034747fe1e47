/**
 * Media of stored messages: streamed from the number's child (its `statics/media` copy, or fetched again through
 * `/message/{id}/download`), with Range requests and the file's content type; kept in a size-bounded cache that
 * still answers while the number is stopped; a clear 404 when WhatsApp no longer has the file and 409 when the
 * number's process is stopped and the file was never fetched.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { childClient, pair, registerRunning } from '../realtime/sim.js';
import { deliver, messagesOf, storedByWaId } from './store-helpers.js';

const PHONE = '5511947000001';
const CONTACT = '6289876543210@s.whatsapp.net';
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(4996)]);

let gw: TestGateway;
let token: string;

async function media(id: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/api/messages/${id}/media`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const cacheFiles = () => {
  const dir = path.join(gw.config.paths.data, 'media-cache', PHONE);
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

beforeAll(async () => {
  gw = await startTestGateway({ env: { HISTORY_SYNC_DAYS: '0', MEDIA_CACHE_MAX_MB: '1' } });
  token = await gw.token();
  await registerRunning(gw, PHONE);
  await pair(gw, PHONE);
});
afterAll(async () => {
  await gw.close();
});

describe('streaming from the child', () => {
  let imageId: string;

  it('streams an incoming image with its content type', async () => {
    const [waId] = await deliver(gw, PHONE, { type: 'image', caption: 'photo', data_base64: JPEG.toString('base64') });
    imageId = (await storedByWaId(gw, PHONE, CONTACT, waId ?? '')).id;
    const res = await media(imageId);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.body.equals(JPEG)).toBe(true);
  });

  it('answers range requests', async () => {
    const head = await media(imageId, { range: 'bytes=0-99' });
    expect(head.status).toBe(206);
    expect(head.headers.get('content-range')).toBe(`bytes 0-99/${JPEG.length}`);
    expect(head.body.equals(JPEG.subarray(0, 100))).toBe(true);
    const tail = await media(imageId, { range: 'bytes=-10' });
    expect(tail.body.equals(JPEG.subarray(JPEG.length - 10))).toBe(true);
    const open = await media(imageId, { range: 'bytes=4990-' });
    expect(open.body.equals(JPEG.subarray(4990))).toBe(true);
    const beyond = await media(imageId, { range: 'bytes=9000-' });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${JPEG.length}`);
  });

  it('fetches history media through /message/{id}/download, with the document name, and 404s when WhatsApp has dropped it', async () => {
    const seeded = await childClient(gw, PHONE).request<{ chat_jids: string[] }>('POST', '/_sim/seed-history', { body: { chats: 1, messages_per_chat: 40, media_ratio: 1, group_ratio: 0, lid_ratio: 0, seed: 3 } });
    const chat = seeded.results?.chat_jids[0] ?? '';
    const sync = await gw.request('POST', `/api/devices/${PHONE}/chats/sync`, { body: {} });
    expect(sync.status).toBe(202);
    const page = await waitFor(async () => {
      const p = await messagesOf(gw, PHONE, chat, 'limit=200&hasMedia=true');
      return p.data.length === 40 ? p : null;
    }, { what: 'the history stored' });
    const [document, other] = [page.data.find((m) => m.type === 'document'), page.data.find((m) => m.type !== 'document')];
    const doc = await media(document?.id ?? '');
    expect(doc.status).toBe(200);
    expect(doc.headers.get('content-type')).toBe('application/pdf');
    expect(doc.headers.get('content-disposition')).toContain(`filename="${document?.media?.fileName}"`);
    expect(doc.body.subarray(0, 5).toString()).toBe('%PDF-');

    await childClient(gw, PHONE).request('POST', '/_sim/expire-media', { body: { message_id: other?.waId } });
    const gone = await gw.request<{ error: { code: string } }>('GET', `/api/messages/${other?.id}/media`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('MEDIA_GONE');
  });

  it('answers 404 for a message without media or an unknown id', async () => {
    const [waId] = await deliver(gw, PHONE, { body: 'just text' });
    const text = await storedByWaId(gw, PHONE, CONTACT, waId ?? '');
    const none = await gw.request<{ error: { code: string } }>('GET', `/api/messages/${text.id}/media`);
    expect([none.status, none.body.error.code]).toEqual([404, 'MEDIA_NOT_FOUND']);
    const unknown = await gw.request<{ error: { code: string } }>('GET', '/api/messages/no-such-message/media');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'MESSAGE_NOT_FOUND']);
  });

  it('keeps the cache within MEDIA_CACHE_MAX_MB, least recently used out first', async () => {
    const ids: string[] = [];
    for (const caption of ['big one', 'big two']) {
      const [waId] = await deliver(gw, PHONE, { type: 'image', caption, size: 700_000 });
      ids.push((await storedByWaId(gw, PHONE, CONTACT, waId ?? '')).id);
    }
    for (const id of ids) expect((await media(id)).body.length).toBe(700_000);
    await waitFor(() => cacheFiles().length === 1, { what: 'the older big file evicted' });
  });

  it('serves cached files while the number is stopped, and answers 409 for the others', async () => {
    const [waId] = await deliver(gw, PHONE, { type: 'video', caption: 'never fetched' });
    const video = await storedByWaId(gw, PHONE, CONTACT, waId ?? '');
    // Read once more while running (the cache test above may have evicted it).
    expect((await media(imageId)).status).toBe(200);
    expect((await gw.request('POST', `/api/devices/${PHONE}/stop`)).status).toBe(200);
    const again = await media(imageId);
    expect(again.status).toBe(200);
    expect(again.body.equals(JPEG)).toBe(true);
    const stopped = await gw.request<{ error: { code: string; state: string } }>('GET', `/api/messages/${video.id}/media`);
    expect(stopped.status).toBe(409);
    expect(stopped.body.error).toMatchObject({ code: 'MEDIA_UNAVAILABLE', state: 'stopped' });
  });
});
