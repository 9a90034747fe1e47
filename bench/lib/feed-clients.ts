import { io, type Socket } from 'socket.io-client';
import { waitUntil } from './processes.js';

/** The part of a `whatsapp-websocket-message` the fan-out benchmark reads (src/realtime/socket-events.ts). */
interface FeedEnvelope {
  readonly phoneNumber: string;
  readonly timestamp: string;
  readonly message: { readonly type: string; readonly payload?: { readonly body?: unknown } };
}

export interface Receipt {
  readonly step: number;
  /** Receipt time minus the message's `timestamp` (when the gateway recorded it), ms. */
  readonly fromGateway: number;
  /** Receipt time minus when the bench asked the child to deliver it, ms. */
  readonly fromInjection: number;
  readonly at: number;
}

/**
 * N Socket.IO clients, each logged in with the given token, recording every incoming message tagged by the
 * benchmark (`body` = `fan:<step>:<injection ms>`).
 */
export class FeedClients {
  readonly receipts: Receipt[][];
  private readonly sockets: Socket[];
  /** step → receipts so far at each client. */
  private readonly counts = new Map<number, number[]>();

  constructor(url: string, token: string, count: number) {
    this.receipts = Array.from({ length: count }, () => []);
    this.sockets = Array.from({ length: count }, (_, index) => {
      const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false });
      const mine = this.receipts[index] ?? [];
      socket.on('whatsapp-websocket-message', (data: FeedEnvelope) => {
        const now = Date.now();
        const body = data.message.type === 'message' ? data.message.payload?.body : undefined;
        if (typeof body !== 'string' || !body.startsWith('fan:')) return;
        const [, stepText, injected] = body.split(':');
        const step = Number(stepText);
        mine.push({ step, fromGateway: now - Date.parse(data.timestamp), fromInjection: now - Number(injected), at: now });
        let counts = this.counts.get(step);
        if (!counts) this.counts.set(step, (counts = new Array<number>(count).fill(0)));
        counts[index] = (counts[index] ?? 0) + 1;
      });
      return socket;
    });
  }

  async connected(timeoutMs: number): Promise<void> {
    await waitUntil(() => this.sockets.every((s) => s.connected), timeoutMs, 'every Socket.IO client to connect');
  }

  /** Receipts of one step at each client. */
  countFor(step: number): number[] {
    return this.counts.get(step) ?? new Array<number>(this.sockets.length).fill(0);
  }

  close(): void {
    for (const socket of this.sockets) socket.disconnect();
  }
}
