import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClusterError } from '../cluster/errors.js';
import type { Logger } from '../lib/logger.js';
import { clusterAnswer } from './error-handler.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void | Promise<void>;

/** Answer on a raw socket (an upgrade request, a request the parser refused) with a JSON error and close it. */
export function rejectUpgrade(socket: Duplex, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (socket.destroyed) return;
  const text = JSON.stringify(body);
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      extra +
      'Connection: close\r\n\r\n' +
      text,
  );
  socket.once('finish', () => socket.destroy());
}

/** A routing refusal (distributed mode) on a raw socket: the status, body and Retry-After the HTTP router answers. */
export function rejectClusterUpgrade(socket: Duplex, err: ClusterError): void {
  const answer = clusterAnswer(err);
  rejectUpgrade(socket, answer.status, answer.body, answer.headers);
}

/**
 * The one `upgrade` listener of the HTTP server: dispatches WebSocket upgrades by path prefix to registered
 * handlers, leaves the pass-through prefixes (Socket.IO, which listens on the same server with
 * `destroyUpgrade: false` and handles its own path) alone, and answers 404 to anything else.
 */
export class UpgradeRouter {
  private readonly routes: { prefix: string; handler: UpgradeHandler }[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly passThrough: readonly string[] = ['/socket.io/'],
  ) {}

  register(prefix: string, handler: UpgradeHandler): this {
    this.routes.push({ prefix, handler });
    // Longest prefix first, so a specific route wins over a general one.
    this.routes.sort((a, b) => b.prefix.length - a.prefix.length);
    return this;
  }

  attach(server: http.Server): () => void {
    server.on('upgrade', this.listener);
    return () => server.off('upgrade', this.listener);
  }

  readonly listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (this.passThrough.some((prefix) => path.startsWith(prefix))) return;
    // A client resetting mid-handshake must not become an uncaught error.
    socket.on('error', (err) => {
      this.logger.debug({ err: err.message, path }, 'upgrade socket error');
      socket.destroy();
    });
    const route = this.routes.find((r) => path.startsWith(r.prefix));
    if (!route) {
      rejectUpgrade(socket, 404, { error: { code: 'NOT_FOUND', message: `no WebSocket endpoint at ${path}` } });
      return;
    }
    Promise.resolve()
      .then(() => route.handler(req, socket, head))
      .catch((err: unknown) => {
        this.logger.error({ err, path }, 'upgrade handler failed');
        rejectUpgrade(socket, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
      });
  };
}
