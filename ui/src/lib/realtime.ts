import { io, type Socket } from 'socket.io-client';
import type { StatusChange, StoredMessage, Conversation, StoreEvent } from './chat-types';
import { STORE_EVENT_NAMES } from './chat-types';
import { config } from './config';
import { StoreBuffer } from './store-buffer';
import type { FeedMessage, LogLine } from './types';

type JoinAck = { ok: true; room: string; lastSeq: number; replayed: number; truncated: boolean } | { ok: false; room: string; error: { code: string; message: string } };

interface ServerEvents {
  'device-websocket-message': (data: { message: FeedMessage; timestamp: string }) => void;
  'whatsapp-websocket-message': (data: { phoneNumber: string }) => void;
  'process-stopped': (data: { phoneNumber: string; code: number | null; signal: string | null; willRestart: boolean }) => void;
  'container-websocket-connected': (data: { phoneNumber: string }) => void;
  'container-websocket-closed': (data: { phoneNumber: string }) => void;
  'message.new': (data: { phoneNumber: string; seq: number; message: StoredMessage }) => void;
  'message.updated': (data: { phoneNumber: string; seq: number; message: StoredMessage }) => void;
  'message.status': (data: { phoneNumber: string; seq: number; message: StatusChange }) => void;
  'conversation.updated': (data: { phoneNumber: string; seq: number; conversation: Conversation }) => void;
  'conversation.removed': (data: { phoneNumber: string; seq: number; chatId: string; mergedInto: string | null }) => void;
}
interface ClientEvents {
  join: (request: { room: string; since?: number }, ack: (result: JoinAck) => void) => void;
  leave: (room: string) => void;
}

export type LiveEvent =
  | { kind: 'message'; phoneNumber: string; message: FeedMessage }
  /** A conversation-store change (message.new, conversation.updated, …), right after the message it came from. */
  | { kind: 'store'; phoneNumber: string; event: StoreEvent }
  /** The number is joined: from now on every store event after `StoreBuffer.since` is known. */
  | { kind: 'covered'; phoneNumber: string }
  | { kind: 'process-stopped'; phoneNumber: string; code: number | null; signal: string | null; willRestart: boolean }
  | { kind: 'feed'; phoneNumber: string; connected: boolean }
  /** Seen a number we do not watch yet (registered elsewhere): the lists should be read again. */
  | { kind: 'unknown-number'; phoneNumber: string }
  /** A resume could not replay everything (older than the window): read the state again over REST. */
  | { kind: 'resync'; phoneNumber: string };

interface LogServerEvents {
  'log-line': (line: LogLine & { phoneNumber: string }) => void;
}
interface LogClientEvents {
  subscribe: (phone: string, ack: (result: { ok: true; lines: LogLine[] } | { ok: false; error: { message: string } }) => void) => void;
  unsubscribe: (phone: string) => void;
}

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/**
 * One Socket.IO connection for the whole page. Every number on screen is joined as `device-<phone>` with
 * `since: <last seq seen>`, so after a reconnect the server replays exactly what was missed (no gap, no repeat);
 * messages are also de-duplicated by `seq`. The token is read from memory at each (re)connect, never put in a URL.
 */
export class Realtime {
  private readonly socket: Socket<ServerEvents, ClientEvents>;
  private readonly lastSeq = new Map<string, number>();
  /** The seq whose store events may come next: the last message accepted (-1 after a repeat was dropped). */
  private readonly derivedSeq = new Map<string, number>();
  private readonly store = new StoreBuffer();
  private readonly watched = new Set<string>();
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private stateValue: ConnectionState = 'connecting';
  private logSocket: Socket<LogServerEvents, LogClientEvents> | null = null;

  constructor(
    private readonly token: () => string | null,
    private readonly refresh: () => Promise<string | null>,
  ) {
    this.socket = io({ path: config.socketPath, auth: (cb) => cb({ token: token() ?? '' }), transports: ['websocket'], autoConnect: false });
    this.socket.on('connect', () => {
      this.setState('live');
      for (const phone of this.watched) this.join(phone);
    });
    this.socket.on('disconnect', (reason) => {
      this.setState('reconnecting');
      // The server closed it (token expired or session ended): a fresh token, then again; otherwise socket.io retries.
      if (reason === 'io server disconnect') void this.reconnectWithFreshToken();
    });
    this.socket.on('connect_error', (err) => {
      this.setState('reconnecting');
      if (err.message === 'UNAUTHORIZED') void this.reconnectWithFreshToken();
    });
    this.socket.on('device-websocket-message', ({ message }) => this.accept(message));
    for (const name of STORE_EVENT_NAMES) {
      (this.socket.on as (event: string, listener: (data: Omit<StoreEvent, 'name'>) => void) => void)(name, (data) => this.acceptStore({ ...data, name } as StoreEvent));
    }
    // Watched numbers come through their room (with resume); this stream only tells of numbers we lack.
    this.socket.on('whatsapp-websocket-message', ({ phoneNumber }) => {
      if (!this.watched.has(phoneNumber)) this.emit({ kind: 'unknown-number', phoneNumber });
    });
    this.socket.on('process-stopped', (data) => this.emit({ kind: 'process-stopped', ...data }));
    this.socket.on('container-websocket-connected', ({ phoneNumber }) => this.emit({ kind: 'feed', phoneNumber, connected: true }));
    this.socket.on('container-websocket-closed', ({ phoneNumber }) => this.emit({ kind: 'feed', phoneNumber, connected: false }));
    this.socket.connect();
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Keep these numbers joined (numbers no longer listed are left). */
  watch(phones: readonly string[]): void {
    const wanted = new Set(phones);
    for (const phone of [...this.watched]) {
      if (!wanted.has(phone)) {
        this.watched.delete(phone);
        this.store.forget(phone);
        if (this.socket.connected) this.socket.emit('leave', `device-${phone}`);
      }
    }
    for (const phone of wanted) {
      if (this.watched.has(phone)) continue;
      this.watched.add(phone);
      if (this.socket.connected) this.join(phone);
    }
  }

  /** Store events of a number after `seq`, or null when this page cannot be sure it has all of them. */
  storeSince(phone: string, seq: number): StoreEvent[] | null {
    return this.store.since(phone, seq);
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /**
   * The live tail of one number's output (namespace `/logs` on the same connection). `onLines` gets the newest
   * lines with `reset` on each (re)subscription, then each new line; `onError` the reason a subscription failed.
   */
  tailLogs(phone: string, onLines: (lines: LogLine[], reset: boolean) => void, onError: (message: string) => void): () => void {
    const socket = (this.logSocket ??= this.socket.io.socket('/logs', { auth: (cb) => cb({ token: this.token() ?? '' }) }));
    const subscribe = () =>
      socket.emit('subscribe', phone, (result) => {
        if (result.ok) onLines(result.lines, true);
        else onError(result.error.message);
      });
    const onLine = (line: LogLine & { phoneNumber: string }) => {
      if (line.phoneNumber === phone) onLines([line], false);
    };
    const onDisconnect = (reason: string) => {
      if (reason === 'io server disconnect') void this.refresh().then((fresh) => fresh && socket.connect());
    };
    socket.on('connect', subscribe);
    socket.on('log-line', onLine);
    socket.on('disconnect', onDisconnect);
    if (socket.connected) subscribe();
    else socket.connect();
    return () => {
      socket.off('connect', subscribe);
      socket.off('log-line', onLine);
      socket.off('disconnect', onDisconnect);
      if (socket.connected) socket.emit('unsubscribe', phone);
    };
  }

  close(): void {
    this.logSocket?.removeAllListeners();
    this.logSocket?.disconnect();
    this.socket.removeAllListeners();
    this.socket.disconnect();
    this.listeners.clear();
    this.stateListeners.clear();
  }

  private join(phone: string): void {
    const since = this.lastSeq.get(phone);
    this.socket.emit('join', { room: `device-${phone}`, ...(since === undefined ? {} : { since }) }, (ack) => {
      if (!ack.ok) return;
      // Replayed messages arrive before the acknowledgement, so everything up to lastSeq has been seen now.
      this.lastSeq.set(phone, Math.max(this.lastSeq.get(phone) ?? 0, ack.lastSeq));
      // A complete resume keeps the store buffer going; a fresh join or a gap starts it again from here.
      const fresh = since === undefined || ack.truncated || !this.store.has(phone);
      if (fresh) this.store.restart(phone, ack.lastSeq);
      if (ack.truncated) this.emit({ kind: 'resync', phoneNumber: phone });
      if (fresh) this.emit({ kind: 'covered', phoneNumber: phone });
    });
  }

  private accept(message: FeedMessage): void {
    const phone = message.phoneNumber;
    const last = this.lastSeq.get(phone);
    if (last !== undefined && message.seq <= last) {
      this.derivedSeq.set(phone, -1);
      return;
    }
    this.lastSeq.set(phone, message.seq);
    this.derivedSeq.set(phone, message.seq);
    this.emit({ kind: 'message', phoneNumber: phone, message });
  }

  /** Store events follow the message they came from (same seq); those of a repeated message are dropped with it. */
  private acceptStore(event: StoreEvent): void {
    if (this.derivedSeq.get(event.phoneNumber) !== event.seq) return;
    this.store.add(event);
    this.emit({ kind: 'store', phoneNumber: event.phoneNumber, event });
  }

  private emit(event: LiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        console.error('live update listener failed', err);
      }
    }
  }

  private setState(state: ConnectionState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private async reconnectWithFreshToken(): Promise<void> {
    const fresh = await this.refresh();
    if (!fresh) {
      this.setState('offline');
      return;
    }
    if (!this.socket.connected) this.socket.connect();
  }
}
