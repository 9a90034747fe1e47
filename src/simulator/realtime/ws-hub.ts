/**
 * The `/ws` feed (docs/binary-contract.md §9): `{code, message, result}` text frames broadcast to every client;
 * nothing is sent on connect; `{"code":"FETCH_DEVICES"}` makes the server broadcast `LIST_DEVICES`; other JSON is
 * ignored; a frame that is not JSON drops the connection (the binary's handler returns and closes it).
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../lib/logger.js';
import { goJson } from '../lib/go-json.js';

const requireCjs = createRequire(import.meta.url);

export class WsHub {
  private server: WebSocketServer | undefined;
  private readonly clients = new Set<WebSocket>();
  private closing = false;

  constructor(
    private readonly logger: Logger,
    private readonly frozen: () => boolean,
    private readonly listDevices: () => unknown,
  ) {}

  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const server = this.ensureServer();
    server.handleUpgrade(req, socket, head, (ws) => {
      // An upgrade that completes after shutdown began would keep the HTTP server open until the grace runs out.
      if (this.closing) {
        ws.terminate();
        return;
      }
      this.clients.add(ws);
      ws.on('close', () => this.clients.delete(ws));
      ws.on('error', () => this.clients.delete(ws));
      ws.on('message', (data) => this.onFrame(ws, data.toString()));
    });
  }

  broadcast(code: string, message: string, result: unknown): void {
    if (this.frozen()) return;
    const frame = goJson({ code, message, result: result ?? null });
    for (const client of this.clients) {
      if (client.readyState === client.OPEN) client.send(frame);
    }
  }

  /** Shutdown: clients are cut, as the binary does not wait for hijacked WS connections. */
  closeAll(): void {
    this.closing = true;
    for (const client of this.clients) client.terminate();
    this.clients.clear();
  }

  private onFrame(ws: WebSocket, text: string): void {
    if (this.frozen()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.logger.error(`websocket: invalid message: ${text.slice(0, 80)}`);
      ws.terminate();
      return;
    }
    if (parsed !== null && typeof parsed === 'object' && (parsed as { code?: unknown }).code === 'FETCH_DEVICES') {
      this.broadcast('LIST_DEVICES', 'Device found', this.listDevices());
    }
  }

  private ensureServer(): WebSocketServer {
    if (!this.server) {
      // ws is loaded on the first upgrade only, to keep start-up short for processes nobody watches; and through
      // require: `import('ws')` went through its ESM wrapper and cost ~70 ms of CPU against ~25 ms, paid by every
      // stand-in when the gateway connects (200 of them at once in a boot restore).
      const { WebSocketServer: Server } = requireCjs('ws') as typeof import('ws');
      this.server ??= new Server({ noServer: true });
    }
    return this.server;
  }
}
