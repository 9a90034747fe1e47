import { Socket as NetSocket } from 'node:net';
import type { Socket } from 'socket.io';

/**
 * Under load, a client's frames go out at most this often: the frames in between wait (at most this long) and
 * share its write. Idle clients are written to at once.
 */
export const MIN_WRITE_INTERVAL_MS = 10;

/**
 * Socket.IO writes every message to every client as its own WebSocket frame, and each frame was its own system
 * call: with 50 clients one event cost 50 writes, the largest share of the gateway's CPU in the fan-out benchmark.
 * Each client's TCP socket is corked while messages are emitted to it, so its frames leave in one `writev`: the
 * journal publishes all events a turn stored in one synchronous step (db/turn-writer.ts), and under load the
 * frames of several such steps share a write, one per MIN_WRITE_INTERVAL_MS at most. When the last write was
 * longer ago, the sockets are uncorked in a microtask, as soon as the publishing code returns.
 */
export class WriteCoalescer {
  private held: NetSocket[] = [];
  private holding = false;
  private lastRelease = -Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly minIntervalMs = MIN_WRITE_INTERVAL_MS,
  ) {}

  /** Cork the WebSocket connections of these clients (once per write) before messages are emitted to them. */
  hold(sockets: Iterable<Socket>): void {
    if (this.holding) return;
    this.holding = true;
    for (const socket of sockets) {
      const raw = tcpSocketOf(socket);
      if (!raw || raw.destroyed) continue;
      raw.cork();
      this.held.push(raw);
    }
    const wait = this.lastRelease + this.minIntervalMs - this.now();
    if (wait <= 0) queueMicrotask(() => this.release());
    else this.timer = setTimeout(() => this.release(), wait);
  }

  /** Uncork everything held (also on shutdown, so no frame stays buffered). */
  release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const held = this.held;
    this.held = [];
    if (this.holding) this.lastRelease = this.now();
    this.holding = false;
    for (const raw of held) raw.uncork();
  }
}

/**
 * The TCP socket under a client's WebSocket transport (engine.io keeps the `ws` connection as `transport.socket`;
 * `ws` keeps its TCP socket as `_socket`). Anything else (long polling, a changed layout) is left alone.
 */
function tcpSocketOf(socket: Socket): NetSocket | null {
  const transport = (socket.conn as unknown as { transport?: { name?: string; socket?: { _socket?: unknown } } }).transport;
  if (transport?.name !== 'websocket') return null;
  const raw = transport.socket?._socket;
  return raw instanceof NetSocket ? raw : null;
}
