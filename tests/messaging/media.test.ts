import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PNG } from 'pngjs';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { registerPaired, simSent, waitForStatus, type MessageBody } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';

const PHONE = '5511950000001';
const DONE = ['sent', 'delivered', 'read'];

function pngBytes(): Buffer {
  const png = new PNG({ width: 4, height: 4 });
  png.data.fill(200);
  return PNG.sync.write(png);
}

describe('outbox: images and files, by URL and by upload', () => {
  let gw: TestGateway;
  let files: http.Server;
  let filesUrl = '';
  const image = pngBytes();

  beforeAll(async () => {
    // The child downloads URL media itself, as the binary does: a small local file server stands in for the web.
    files = http.createServer((req, res) => {
      if (req.url === '/pic.png') res.writeHead(200, { 'content-type': 'image/png' }).end(image);
      else if (req.url === '/report.pdf') res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from('%PDF-1.4 test'));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    gw = await startTestGateway({ env: { QUEUE_INTERVAL: '20' } });
    await registerPaired(gw, PHONE);
  });
  afterAll(async () => {
    await gw.close();
    await new Promise((resolve) => files.close(resolve));
  });

  const multipart = async (route: string, fields: Record<string, string>, file?: { field: string; data: Buffer; type: string; name: string }) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    if (file) form.append(file.field, new Blob([file.data], { type: file.type }), file.name);
    const res = await fetch(`${gw.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${await gw.token()}` }, body: form });
    return { status: res.status, body: (await res.json()) as MessageBody & { error?: { code: string; fields?: { field: string }[] } } };
  };

  it('sends an image and a document by URL', async () => {
    const img = await gw.request<MessageBody>('POST', '/api/messages/send-image', {
      body: { from: PHONE, to: '5511888880010', imageUrl: `${filesUrl}/pic.png`, caption: 'by url', viewOnce: false },
    });
    expect(img.status).toBe(202);
    expect(img.body).toMatchObject({ kind: 'image', content: { imageUrl: `${filesUrl}/pic.png`, caption: 'by url' } });
    const doc = await gw.request<MessageBody>('POST', '/api/messages/send-file', { body: { from: PHONE, to: '5511888880010', fileUrl: `${filesUrl}/report.pdf`, caption: 'the report' } });
    expect(doc.status).toBe(202);
    await waitForStatus(gw, img.body.id, DONE);
    await waitForStatus(gw, doc.body.id, DONE);
    const atChild = await simSent(gw, PHONE);
    expect(atChild.find((e) => e.caption === 'by url')).toMatchObject({ route: '/send/image', size: image.length });
    expect(atChild.find((e) => e.caption === 'the report')).toMatchObject({ route: '/send/file', filename: 'report.pdf' });
  });

  it('keeps an uploaded image on disk while it is queued, sends it, then deletes it', async () => {
    await gw.request('POST', `/api/devices/${PHONE}/stop`);
    const res = await multipart('/api/messages/send-image', { from: PHONE, to: '5511888880011', caption: 'uploaded' }, { field: 'image', data: image, type: 'image/png', name: 'photo.png' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ kind: 'image', status: 'queued', content: { caption: 'uploaded', fileName: 'photo.png' } });
    const stored = path.join(gw.dataRoot, 'volumes', 'outbox', PHONE, res.body.id);
    expect(fs.readFileSync(stored)).toEqual(image);

    await gw.request('POST', `/api/devices/${PHONE}/start`);
    await waitForStatus(gw, res.body.id, DONE);
    expect((await simSent(gw, PHONE)).find((e) => e.caption === 'uploaded')).toMatchObject({ route: '/send/image', size: image.length });
    await waitFor(() => !fs.existsSync(stored), { what: 'the sent upload to be deleted' });
  });

  it('uploads a document with its file name', async () => {
    const data = Buffer.from('col1,col2\n1,2\n');
    const res = await multipart('/api/messages/send-file', { from: PHONE, to: '5511888880012' }, { field: 'file', data, type: 'text/csv', name: 'numbers.csv' });
    expect(res.status).toBe(202);
    await waitForStatus(gw, res.body.id, DONE);
    expect((await simSent(gw, PHONE)).find((e) => e.filename === 'numbers.csv')).toMatchObject({ route: '/send/file', size: data.length });
  });

  it('refuses media it cannot send: no source, two sources, wrong image type, too large', async () => {
    const none = await gw.request<{ error: { fields: { field: string }[] } }>('POST', '/api/messages/send-image', { body: { from: PHONE, to: '5511888880013' } });
    expect(none.status).toBe(400);
    expect(none.body.error.fields[0]?.field).toBe('imageUrl');
    const notHttp = await gw.request('POST', '/api/messages/send-file', { body: { from: PHONE, to: '5511888880013', fileUrl: 'file:///etc/passwd' } });
    expect(notHttp.status).toBe(400);
    const both = await multipart('/api/messages/send-image', { from: PHONE, to: '5511888880013', imageUrl: `${filesUrl}/pic.png` }, { field: 'image', data: image, type: 'image/png', name: 'a.png' });
    expect(both.status).toBe(400);
    const gif = await multipart('/api/messages/send-image', { from: PHONE, to: '5511888880013' }, { field: 'image', data: Buffer.from('GIF89a'), type: 'image/gif', name: 'a.gif' });
    expect(gif.status).toBe(400);
    expect(gif.body.error?.fields?.[0]?.field).toBe('image');
    const huge = await multipart('/api/messages/send-image', { from: PHONE, to: '5511888880013' }, { field: 'image', data: Buffer.alloc(20_000_001), type: 'image/png', name: 'big.png' });
    expect(huge.status).toBe(413);
    const badFrom = await multipart('/api/messages/send-file', { from: '5511950009999', to: '5511888880013' }, { field: 'file', data: Buffer.from('x'), type: 'text/plain', name: 'x.txt' });
    expect(badFrom.status).toBe(400);
    // Nothing refused is left behind in the upload folder.
    await waitFor(() => fs.readdirSync(path.join(gw.dataRoot, 'volumes', 'outbox', 'tmp')).length === 0, { what: 'temp uploads removed' });
  });
});
