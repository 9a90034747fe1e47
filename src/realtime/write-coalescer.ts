import { Socket as NetSocket } from 'node:net';
import type { Socket } from 'socket.io';

/**
 * Socket.IO writes every message to every client as its own WebSocket frame, and each frame was its own system
 * call: with 50 clients one event cost 50 writes, the largest share of the gateway's CPU in the fan-out benchmark.
 * The journal publishes all events a turn of the event loop stored in one synchronous step (after the turn's
 * commit, see db/turn-writer.ts); corking each client's TCP socket until that step is over sends them to that
 * client in one `writev`. The sockets are uncorked in a microtask, i.e. as soon as the code that is publishing
 * returns, so no frame waits for anything else.
 */
export class WriteCoalescer {
  private held: NetSocket[] = [];
  private holding = false;

  /** Cork the WebSocket connections of these clients (once per publishing step) before messages are emitted to them. */
  hold(sockets: Iterable<Socket>): void {
    if (this.holding) return;
    this.holding = true;
    for (const socket of sockets) {
      const raw = tcpSocketOf(socket);
      if (!raw || raw.destroyed) continue;
      raw.cork();
      this.held.push(raw);
    }
    queueMicrotask(() => this.release());
  }

  /** Uncork everything held (also on shutdown, so no frame stays buffered). */
  release(): void {
    const held = this.held;
    this.held = [];
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
