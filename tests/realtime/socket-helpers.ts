/**
 * A real socket.io-client, typed with the gateway's own event maps, that records everything it receives.
 *
 *   const client = await connectClient(gw.url, token);
 *   const hit = await client.waitFor('whatsapp-websocket-message', (d) => d.message.type === 'ready');
 *   client.close();
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, JoinRequest, JoinResult, ServerToClientEvents } from '../../src/realtime/socket-events.js';

export type GatewaySocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type EventName = keyof ServerToClientEvents;
export type EventData<K extends EventName> = Parameters<ServerToClientEvents[K]>[0];

const EVENTS: EventName[] = [
  'whatsapp-websocket-message',
  'device-websocket-message',
  'container-websocket-connected',
  'container-websocket-closed',
  'process-stopped',
  'join-error',
  'message.new',
  'message.updated',
  'message.status',
  'conversation.updated',
  'conversation.removed',
];

export interface Received {
  readonly event: EventName;
  readonly data: EventData<EventName>;
}

export interface TestClient {
  readonly socket: GatewaySocket;
  readonly received: Received[];
  all<K extends EventName>(event: K, match?: (data: EventData<K>) => boolean): EventData<K>[];
  waitFor<K extends EventName>(event: K, match?: (data: EventData<K>) => boolean, timeoutMs?: number): Promise<EventData<K>>;
  waitForCount<K extends EventName>(event: K, match: (data: EventData<K>) => boolean, count: number, timeoutMs?: number): Promise<EventData<K>[]>;
  join(request: string | JoinRequest): Promise<JoinResult>;
  close(): void;
}

export function socketOptions(token: string | null, extra: Record<string, unknown> = {}) {
  return { transports: ['websocket'], reconnection: false, forceNew: true, ...(token ? { auth: { token } } : {}), ...extra };
}

/** Connects (rejecting with the server's refusal on connect_error) and starts recording. */
export async function connectClient(url: string, token: string | null, extra: Record<string, unknown> = {}): Promise<TestClient> {
  const socket: GatewaySocket = io(url, socketOptions(token, extra));
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  for (const event of EVENTS) {
    socket.on(event as 'join-error', (data: EventData<'join-error'>) => {
      received.push({ event, data });
      for (const waiter of [...waiters]) waiter();
    });
  }
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
  const all = <K extends EventName>(event: K, match: (data: EventData<K>) => boolean = () => true): EventData<K>[] =>
    received.filter((r) => r.event === event).map((r) => r.data as EventData<K>).filter(match);
  const waitForCount = <K extends EventName>(event: K, match: (data: EventData<K>) => boolean, count: number, timeoutMs = 10_000): Promise<EventData<K>[]> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const hits = all(event, match);
        if (hits.length < count) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(hits);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`expected ${count} ${event} within ${timeoutMs} ms; got ${all(event, match).length} (of ${received.length} events: ${received.map((r) => r.event).join(', ')})`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    socket,
    received,
    all,
    waitForCount,
    waitFor: async (event, match = () => true, timeoutMs) => {
      const hits = await waitForCount(event, match, 1, timeoutMs);
      return hits[0] as never;
    },
    join: (request) => new Promise((resolve) => socket.emit('join', request, resolve)),
    close: () => {
      socket.close();
    },
  };
}

/** A socket that must be refused: resolves with the connect_error. */
export function expectRefused(url: string, token: string | null, extra: Record<string, unknown> = {}): Promise<Error & { data?: unknown }> {
  const socket: GatewaySocket = io(url, socketOptions(token, extra));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.close();
      reject(new Error('the connection was accepted'));
    });
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(err);
    });
  });
}
