import WebSocket from 'ws';
import type { GowaClient } from '../gowa/client.js';
import type { GowaWsFrame } from '../gowa/types.js';
import { backoffDelay, type Backoff } from '../domain/backoff.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { TypedEmitter } from '../lib/typed-emitter.js';
import type { ChildFeedEvents } from './child-feed-events.js';

/** A child that just started may refuse a few times; a stopped one is closed by its owner, not retried forever. */
const RECONNECT: Backoff = { baseDelayMs: 250, maxDelayMs: 10_000, jitter: 0.2 };

/**
 * One WebSocket client to one child's `/ws` (with the child's basic auth), reconnecting with backoff and
 * jitter for as long as the child runs; closed for good by `close()` when the child stops.
 */
export class ChildFeed {
  private socket: WebSocket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private closed = false;
  private pinger: NodeJS.Timeout | null = null;

  constructor(
    readonly phoneNumber: string,
    private readonly client: GowaClient,
    private readonly events: TypedEmitter<ChildFeedEvents>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** A link with no pong for this long is dead (a hung or stopped child keeps its TCP socket open). */
    private readonly pingIntervalMs = 15_000,
  ) {}

  open(): void {
    if (this.closed) return;
    const { port } = this.client.endpoint;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?device_id=${encodeURIComponent(this.client.endpoint.deviceId)}`, { headers: { authorization: this.client.authorization }, handshakeTimeout: 5000, maxPayload: 1024 * 1024 });
    this.socket = socket;
    let opened = false;
    socket.on('open', () => {
      opened = true;
      this.attempt = 0;
      this.heartbeat(socket);
      this.events.emit('feed-open', { phoneNumber: this.phoneNumber, port });
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = parseFrame(data.toString());
      if (frame) this.events.emit('frame', { phoneNumber: this.phoneNumber, port, frame, at: this.clock.now() });
    });
    socket.on('error', (err) => this.logger.debug({ phoneNumber: this.phoneNumber, err: err.message }, 'child feed error'));
    socket.on('close', (code) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.stopHeartbeat();
      // A socket that never opened is a failed attempt, not a closed feed; do not announce it.
      if (opened) this.events.emit('feed-closed', { phoneNumber: this.phoneNumber, port, code });
      this.scheduleReconnect();
    });
    socket.on('unexpected-response', (_req, res) => {
      this.logger.warn({ phoneNumber: this.phoneNumber, status: res.statusCode }, 'child refused the feed connection');
      res.resume();
    });
  }

  close(): void {
    this.closed = true;
    this.stopHeartbeat();
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.removeAllListeners('close');
      socket.on('error', () => undefined);
      socket.terminate();
      this.events.emit('feed-closed', { phoneNumber: this.phoneNumber, port: this.client.endpoint.port, code: 1001 });
    }
  }

  private heartbeat(socket: WebSocket): void {
    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    this.stopHeartbeat();
    this.pinger = setInterval(() => {
      if (!alive) {
        this.logger.warn({ phoneNumber: this.phoneNumber }, 'child feed missed its pong; reconnecting');
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, this.pingIntervalMs);
    this.pinger.unref();
  }

  private stopHeartbeat(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.attempt++;
    const delay = backoffDelay(RECONNECT, this.attempt, this.clock.random());
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.open();
    }, delay);
  }
}

function parseFrame(text: string): GowaWsFrame | null {
  try {
    const value = JSON.parse(text) as Partial<GowaWsFrame>;
    return typeof value.code === 'string' ? { code: value.code, message: String(value.message ?? ''), result: value.result ?? null } : null;
  } catch {
    return null;
  }
}
