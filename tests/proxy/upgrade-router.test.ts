import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Server } from 'socket.io';
import { io as ioClient, type Socket } from 'socket.io-client';
import WebSocket, { WebSocketServer } from 'ws';
import { UpgradeRouter } from '../../src/http/upgrade-router.js';
import { createLogger } from '../../src/lib/logger.js';

/** The router on a real server, beside a real Socket.IO server created with `destroyUpgrade: false`. */
describe('upgrade router', () => {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const io = new Server(server, { destroyUpgrade: false });
  const echo = new WebSocketServer({ noServer: true });
  const clients: Socket[] = [];
  let url = '';

  beforeAll(async () => {
    io.on('connection', (socket) => socket.on('ping-me', (n: number, ack: (m: number) => void) => ack(n + 1)));
    echo.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo:${data.toString()}`)));
    new UpgradeRouter(createLogger('silent')).register('/echo/', (req, socket, head) => echo.handleUpgrade(req, socket, head, (ws) => echo.emit('connection', ws, req))).attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const ws of echo.clients) ws.terminate();
    await new Promise((resolve) => io.close(resolve));
    expect(server.listening).toBe(false);
  });

  it('leaves /socket.io/ upgrades to Socket.IO (websocket transport only)', async () => {
    const client = ioClient(`http://${url}`, { transports: ['websocket'], reconnection: false });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    expect(client.io.engine.transport.name).toBe('websocket');
    expect(await client.emitWithAck('ping-me', 41)).toBe(42);
  });

  it('dispatches registered prefixes to their handler', async () => {
    const ws = new WebSocket(`ws://${url}/echo/x`);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('hi'));
      ws.once('message', (data) => resolve(data.toString()));
      ws.once('error', reject);
    });
    expect(reply).toBe('echo:hi');
    ws.terminate();
  });

  it('answers 404 and closes the socket for any other path, and Socket.IO keeps working', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://${url}/nope`);
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      ws.once('open', () => reject(new Error('should not open')));
      ws.once('error', () => undefined);
    });
    expect(status).toBe(404);
    const [client] = clients;
    expect(await client?.emitWithAck('ping-me', 1)).toBe(2);
  });
});
