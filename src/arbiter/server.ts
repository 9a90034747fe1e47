/**
 * The arbiter's HTTP and WebSocket face. Stand-ins connect to `GET /connect?device=&node=&pid=&fence=` (a
 * WebSocket held while the device is connected to "WhatsApp"), report sends as `{"type":"send","id","to"}`
 * frames, and receive `{"type":"stream-replaced"}` before the arbiter cuts a replaced connection. Observers read
 * `GET /connections`, `GET /events?since=<seq>`, `GET /overlaps` and `GET /health`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEVICE_JID, type ConnectInfo, type Registry } from './registry.js';
import { connectionView, eventView, overlapsView } from './views.js';

export interface ArbiterServer {
  readonly server: Server;
  url(): string;
  close(): Promise<void>;
}

export function createArbiterServer(registry: Registry, log: (line: string) => void): ArbiterServer {
  const sockets = new Map<number, WebSocket>();
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((req, res) => route(req, res));

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://arbiter');
    if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed' });
    switch (url.pathname) {
      case '/health':
        return json(res, 200, { status: 'ok', mode: registry.mode });
      case '/connections':
        return json(res, 200, { mode: registry.mode, connections: registry.connections().map(connectionView) });
      case '/events': {
        const since = Number(url.searchParams.get('since') ?? '0');
        if (!Number.isInteger(since) || since < 0) return json(res, 400, { error: 'since: must be a non-negative integer' });
        return json(res, 200, { events: registry.eventsSince(since).map(eventView) });
      }
      case '/overlaps':
        return json(res, 200, overlapsView(registry.mode, registry.overlapList()));
      default:
        return json(res, 404, { error: 'not found' });
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://arbiter');
    const info = url.pathname === '/connect' ? connectInfo(url.searchParams) : 'not found';
    if (typeof info === 'string') {
      socket.end(`HTTP/1.1 ${info === 'not found' ? '404 Not Found' : '400 Bad Request'}\r\nConnection: close\r\nContent-Length: ${info.length}\r\n\r\n${info}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, info));
  });

  function accept(ws: WebSocket, info: ConnectInfo): void {
    const { connection, replaced } = registry.connect(info);
    sockets.set(connection.id, ws);
    log(`connect ${connection.device} node=${connection.node} pid=${connection.pid ?? '-'} fence=${connection.fence ?? '-'} (#${connection.id})`);
    for (const old of replaced) {
      log(`stream replaced ${old.device} on node=${old.node} pid=${old.pid ?? '-'} (#${old.id})`);
      const oldWs = sockets.get(old.id);
      sockets.delete(old.id);
      // WhatsApp sends the conflict and drops the stream; a paused process cannot hold it open either.
      oldWs?.send(JSON.stringify({ type: 'stream-replaced' }), () => oldWs.terminate());
    }
    ws.on('message', (data) => {
      let frame: { type?: unknown; id?: unknown; to?: unknown };
      try {
        frame = JSON.parse(data.toString()) as typeof frame;
      } catch {
        return;
      }
      if (frame.type === 'send' && typeof frame.id === 'string' && typeof frame.to === 'string') registry.send(connection.id, frame.id, frame.to);
    });
    ws.on('close', () => {
      if (sockets.get(connection.id) === ws) sockets.delete(connection.id);
      registry.disconnect(connection.id);
      log(`disconnect ${connection.device} (#${connection.id})`);
    });
    ws.on('error', () => ws.terminate());
  }

  return {
    server,
    url() {
      const { address, port } = server.address() as AddressInfo;
      return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    },
    close() {
      for (const ws of sockets.values()) ws.terminate();
      return new Promise((resolve) => {
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function connectInfo(query: URLSearchParams): ConnectInfo | string {
  const device = query.get('device') ?? '';
  if (!DEVICE_JID.test(device)) return 'device: must be a device JID such as 628123:12@s.whatsapp.net';
  const node = query.get('node') ?? '';
  if (!/^[A-Za-z0-9._:-]{0,64}$/.test(node)) return 'node: letters, digits and ._:- only, at most 64';
  const int = (key: string): number | null | undefined => {
    const text = query.get(key);
    if (text === null || text === '') return null;
    return /^[0-9]{1,15}$/.test(text) ? Number(text) : undefined;
  };
  const pid = int('pid');
  const fence = int('fence');
  if (pid === undefined) return 'pid: must be a positive integer';
  if (fence === undefined) return 'fence: must be a non-negative integer';
  return { device, node, pid, fence };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
