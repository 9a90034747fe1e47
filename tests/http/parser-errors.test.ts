import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.close();
});

/** Write raw bytes to the gateway and read everything it answers until it closes the connection. */
function rawRequest(bytes: string | Buffer): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.end(bytes);
  });
}

const request = (line: string, headers: string[] = []) => `${line}\r\nHost: localhost\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

describe('requests the HTTP parser refuses before the app runs', () => {
  const cases: [string, string | Buffer, number, string][] = [
    ['a 20 kB URL', request(`GET /api/devices?q=${'a'.repeat(20_000)} HTTP/1.1`), 414, 'URL_TOO_LONG'],
    ['a 20 kB header', request('GET /api/devices HTTP/1.1', [`X-Big: ${'b'.repeat(20_000)}`]), 431, 'HEADERS_TOO_LARGE'],
    ['many headers adding up to 20 kB', request('GET /api/devices HTTP/1.1', Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'c'.repeat(50)}`)), 431, 'HEADERS_TOO_LARGE'],
    ['a control byte in a header value', request('GET /api/devices HTTP/1.1', ['X-Bad: a\u0001b']), 400, 'MALFORMED_REQUEST'],
    ['a bare CR inside a header value', Buffer.from('GET /api/devices HTTP/1.1\r\nHost: x\r\nX-Bad: a\rb\r\n\r\n', 'latin1'), 400, 'MALFORMED_REQUEST'],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ['an unknown HTTP version', request('GET /api/health HTTP/7.0'), 400, 'MALFORMED_REQUEST'],
  ];

  it.each(cases)('answers %s with the JSON error envelope', async (_label, bytes, status, code) => {
    const res = await rawRequest(bytes);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['connection']).toBe('close');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
    const body = JSON.parse(res.body) as { error: { code: string; message: string } };
    expect(body).toEqual({ error: { code, message: expect.any(String) } });
    // Nothing of the request is echoed back.
    expect(res.body).not.toMatch(/aaaa|bbbb|cccc|HELLO/);
  });

  it('keeps serving well-formed requests on the same server', async () => {
    const res = await rawRequest(request('GET /api/health HTTP/1.1', ['Connection: close']));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'ok' });
  });
});
