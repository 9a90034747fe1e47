import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { httpCall } from '../../src/gowa/http-call.js';

/**
 * A child that answers the first request on each connection and resets the connection on any later one without
 * reading it: what a busy gateway meets when the child's keep-alive timer closes an idle connection as a request
 * goes out on it.
 */
async function resettingServer(options: { resetFirst?: boolean } = {}): Promise<{ url: URL; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let served = 0;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        const end = buffered.indexOf('\r\n\r\n');
        const head = buffered.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? '0');
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        if (served > 0 || options.resetFirst) {
          socket.resetAndDestroy();
          return;
        }
        served += 1;
        requests.push(head.split('\r\n')[0] ?? '');
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/send/message`),
    requests,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('calls to a child over a kept-alive connection', () => {
  it('send a read again on a fresh connection when the reused one was reset before an answer', async () => {
    const child = await resettingServer();
    closers.push(child.close);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    closers.push(async () => agent.destroy());
    expect((await httpCall(agent, child.url, 'GET', {}, undefined, 5000)).status).toBe(200);
    // The second call takes the pooled connection, which the child resets.
    expect((await httpCall(agent, child.url, 'GET', {}, undefined, 5000)).status).toBe(200);
    expect(child.requests).toEqual(['GET /send/message HTTP/1.1', 'GET /send/message HTTP/1.1']);
  });

  it('pass the same reset of a send on to the caller: a child killed while sending looks the same', async () => {
    const child = await resettingServer();
    closers.push(child.close);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    closers.push(async () => agent.destroy());
    expect((await httpCall(agent, child.url, 'POST', {}, '{"n":1}', 5000)).status).toBe(200);
    await expect(httpCall(agent, child.url, 'POST', {}, '{"n":2}', 5000)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(child.requests).toEqual(['POST /send/message HTTP/1.1']);
  });

  it('pass a reset of a fresh connection on to the caller: the child may have read that request', async () => {
    const child = await resettingServer({ resetFirst: true });
    closers.push(child.close);
    const agent = new http.Agent({ keepAlive: true });
    closers.push(async () => agent.destroy());
    await expect(httpCall(agent, child.url, 'POST', {}, '{"n":1}', 5000)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});
