import { Socket as NetSocket } from 'node:net';
import type { Socket } from 'socket.io';

/** A long turn (a burst of webhooks) flushes what it holds this often, so early frames do not wait for its end. */
const MAX_HOLD_MS = 5;

/**
 * Socket.IO writes every message to every client as its own WebSocket frame, and each frame was its own system
 * call: with 50 clients one event cost 50 writes, the largest share of the gateway's CPU in the fan-out benchmark.
 * Corking each client's TCP socket until the end of the event-loop turn sends all frames of that turn to that
 * client in one `writev`. A frame waits at most until the turn ends or MAX_HOLD_MS has passed, whichever is first.
 */
export class WriteCoalescer {
  private held: NetSocket[] = [];
  private heldSince: number | null = null;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Cork the WebSocket connections of these clients (once per turn) before messages are emitted to them. */
  hold(sockets: Iterable<Socket>): void {
    if (this.heldSince !== null) {
      if (this.now() - this.heldSince < MAX_HOLD_MS) return;
      this.release();
    }
    this.heldSince = this.now();
    for (const socket of sockets) {
      const raw = tcpSocketOf(socket);
      if (!raw || raw.destroyed) continue;
      raw.cork();
      this.held.push(raw);
    }
    const batch = this.held;
    setImmediate(() => {
      if (this.held === batch) this.release();
    });
  }

  /** Uncork everything held (also on shutdown, so no frame stays buffered). */
  release(): void {
    const held = this.held;
    this.held = [];
    this.heldSince = null;
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
