import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import { actorOf } from '../audit/actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Authenticator } from '../auth/authenticate.js';
import type { AccessChange, AccessPolicy } from '../auth/policy.js';
import type { CallerPrincipal } from '../auth/principal.js';
import type { DeviceReader } from '../db/ports/devices.js';
import type { DeviceRow } from '../db/schema.js';
import { AccessDenied, GatewayError } from '../domain/errors.js';
import { parseNumberKey } from '../domain/number-key.js';
import { clientAddress } from '../lib/client-address.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { DerivedEvent, RecordedEvent } from '../events/feed-message.js';
import type { JoinFigures, RealtimeJournal } from './realtime-journal.js';
import { socketAuth } from './socket-auth.js';
import { WriteCoalescer } from './write-coalescer.js';
import {
  DEVICE_ROOM_PREFIX,
  deviceRoom,
  isStoreEvent,
  type ClientToServerEvents,
  type StoreEventName,
  type InterServerEvents,
  type JoinResult,
  type ServerToClientEvents,
  type SocketData,
} from './socket-events.js';

type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type GlobalEvent = 'container-websocket-connected' | 'container-websocket-closed' | 'process-stopped';

export interface RealtimeServerDeps {
  readonly authn: Authenticator;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
  readonly devices: DeviceReader;
  /** Replays for a resuming `join`: the SQLite journal on a single host, Postgres in distributed mode. */
  readonly journal: RealtimeJournal;
  /** Most messages replayed on a resuming `join`. */
  readonly resumeLimit: number;
  /** Browser origins allowed to connect (CORS for the polling transport and the handshake); empty = same origin. */
  readonly corsOrigins: readonly string[];
  /** Proxy hops to trust for the client address (TRUST_PROXY), as for REST. */
  readonly trustProxy: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const SCOPE = 'events:subscribe';

/** Internal rooms: sockets that see every number, administrators (gateway news), and one room per number. */
const EVERY_NUMBER = 'gw:all';
const ADMINS = 'gw:admins';
const numberRoom = (phone: string) => `gw:n:${phone}`;

/**
 * Socket.IO on the gateway's HTTP server. A socket only ever receives events of numbers its principal may use
 * `events:subscribe` on (the access policy), both global events (through its number rooms) and `device-<phone>`
 * rooms (re-checked on every message). When access changes, affected sockets are checked again at once: a socket
 * whose credential was revoked or that lost a number is disconnected; one that gained a number starts receiving it.
 */
export class RealtimeServer {
  readonly io: IoServer;
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private readonly writes = new WriteCoalescer();
  private readonly unsubscribe: () => void;

  constructor(
    httpServer: http.Server,
    private readonly deps: RealtimeServerDeps,
  ) {
    // A separate upgrade router serves /proxy/whatsapp/* WebSockets on the same server: leave its upgrades alone.
    const cors = deps.corsOrigins.length > 0 ? { cors: { origin: [...deps.corsOrigins] } } : {};
    this.io = new Server(httpServer, { destroyUpgrade: false, serveClient: false, ...cors });
    this.io.use(socketAuth(deps));
    this.io.on('connection', (socket) => this.onConnection(socket));
    this.unsubscribe = deps.policy.changes.on('changed', (change) => this.onAccessChange(change));
  }

  /** A stored message: to every viewer of the number, and to the sockets that joined its room. */
  publish(event: RecordedEvent): void {
    const row = this.deps.devices.get(event.phoneNumber);
    if (!row) return;
    const { message } = event;
    if (message.type === 'bound') this.moveRooms(message.pendingId, row);
    // Socket.IO encodes a broadcast before it looks for recipients: with nobody to send to, skip that work.
    const rooms = this.io.sockets.adapter.rooms;
    if (!rooms.has(EVERY_NUMBER) && !rooms.has(numberRoom(event.phoneNumber)) && !rooms.has(deviceRoom(event.phoneNumber))) return;
    this.writes.hold(this.io.sockets.sockets.values());
    this.viewers(row).emit('whatsapp-websocket-message', { phoneNumber: event.phoneNumber, port: event.port, message, timestamp: message.at });
    const members = this.io.sockets.adapter.rooms.get(deviceRoom(event.phoneNumber));
    if (!members) return;
    for (const id of members) {
      const socket = this.io.sockets.sockets.get(id);
      if (!socket || !this.deps.policy.allows(socket.data.principal, SCOPE, row)) continue;
      socket.emit('device-websocket-message', { message, timestamp: message.at });
      emitDerived(socket, event.phoneNumber, message.seq, event.derived);
    }
  }

  /** An event of one number that is not a stored message (feed link up/down, process stopped). */
  emitGlobal<K extends GlobalEvent>(phoneNumber: string, event: K, ...payload: Parameters<ServerToClientEvents[K]>): void {
    const row = this.deps.devices.get(phoneNumber);
    if (row) this.viewers(row).emit(event, ...payload);
  }

  /** Gateway-wide news (binary updates) for administrators, each getting the payload made for it (the numbers it may see). */
  emitToAdmins<K extends 'binary-update-available' | 'binary-update-applied'>(event: K, payloadFor: (principal: CallerPrincipal) => Parameters<ServerToClientEvents[K]>[0]): void {
    for (const id of this.io.sockets.adapter.rooms.get(ADMINS) ?? []) {
      const socket = this.io.sockets.sockets.get(id);
      if (!socket) continue;
      const args = [payloadFor(socket.data.principal)] as Parameters<ServerToClientEvents[K]>;
      socket.emit(event, ...args);
    }
  }

  /** Sockets currently connected (health, tests). */
  get connectedCount(): number {
    return this.io.sockets.sockets.size;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    for (const timer of this.expiryTimers.values()) this.deps.clock.clearTimeout(timer);
    this.expiryTimers.clear();
    this.writes.release();
    this.io.disconnectSockets(true);
    // Also closes the HTTP server, which the gateway has already asked to close; that second close is a no-op.
    await this.io.close();
  }

  private viewers(row: DeviceRow) {
    return this.io.to([EVERY_NUMBER, numberRoom(row.phoneNumber)]);
  }

  /** Disconnect when the credential expires. Timers cannot wait past ~24.8 days (2^31-1 ms): re-arm until then. */
  private armExpiry(socket: IoSocket): void {
    const old = this.expiryTimers.get(socket.id);
    if (old) this.deps.clock.clearTimeout(old);
    this.expiryTimers.delete(socket.id);
    const expiresAt = socket.data.principal.expiresAt;
    if (expiresAt === null) return;
    const left = Math.max(0, expiresAt - this.deps.clock.now());
    const timer = this.deps.clock.setTimeout(() => {
      if (left > MAX_TIMER_MS) this.armExpiry(socket);
      else socket.disconnect(true);
    }, Math.min(left, MAX_TIMER_MS));
    timer.unref();
    this.expiryTimers.set(socket.id, timer);
  }

  private onConnection(socket: IoSocket): void {
    this.placeInRooms(socket);
    this.armExpiry(socket);
    socket.on('disconnect', () => {
      const timer = this.expiryTimers.get(socket.id);
      if (timer) this.deps.clock.clearTimeout(timer);
      this.expiryTimers.delete(socket.id);
    });
    socket.on('join', (request, ack) => this.join(socket, request, typeof ack === 'function' ? ack : undefined));
    socket.on('leave', (room, ack) => {
      const name = typeof room === 'string' && room.startsWith(DEVICE_ROOM_PREFIX) ? room : '';
      if (name) void socket.leave(name);
      if (typeof ack === 'function') ack({ ok: name !== '', room: String(room) });
    });
  }

  /** The rooms of the numbers the socket's principal may follow now (and the admin rooms). */
  private placeInRooms(socket: IoSocket): void {
    const { principal } = socket.data;
    const { policy } = this.deps;
    if (policy.isAdmin(principal)) void socket.join(ADMINS);
    if (policy.seesEverything(principal)) {
      socket.data.numbers = null;
      void socket.join(EVERY_NUMBER);
      return;
    }
    const numbers = new Set(policy.visible(principal, SCOPE).map((row) => row.phoneNumber));
    for (const phone of socket.data.numbers ?? []) if (!numbers.has(phone)) void socket.leave(numberRoom(phone));
    for (const phone of numbers) void socket.join(numberRoom(phone));
    socket.data.numbers = numbers;
  }

  private onAccessChange(change: AccessChange): void {
    for (const socket of this.io.sockets.sockets.values()) {
      const { principal } = socket.data;
      if (change.kind === 'number') {
        this.recheckNumber(socket, change.phoneNumber);
        continue;
      }
      const affected = change.kind === 'user' ? principal.user.id === change.userId : principal.kind === 'key' && principal.use.key.id === change.keyId;
      if (!affected) continue;
      const fresh = this.deps.authn.refresh(principal);
      const before = socket.data.numbers;
      const lost = fresh === null || (before === null ? !this.deps.policy.seesEverything(fresh) : [...before].some((phone) => !this.deps.policy.allowsNumber(fresh, SCOPE, phone)));
      const reconnect = change.kind === 'user' && change.reconnect === true;
      if (fresh === null || lost || reconnect || !this.deps.policy.hasScope(fresh, SCOPE)) {
        this.deps.logger.info({ userId: principal.user.id, reason: change.reason }, 'socket disconnected: its access changed');
        socket.disconnect(true);
        continue;
      }
      socket.data.principal = fresh;
      this.placeInRooms(socket);
      this.armExpiry(socket);
    }
  }

  /**
   * A pending number took its phone: its journal goes on under the phone (seq numbered on), so sockets that
   * followed the pending id follow the phone from this event on, each re-checked by the policy.
   */
  private moveRooms(pendingId: string, row: DeviceRow): void {
    const rooms = this.io.sockets.adapter.rooms;
    const ids = new Set([...(rooms.get(numberRoom(pendingId)) ?? []), ...(rooms.get(deviceRoom(pendingId)) ?? [])]);
    for (const id of ids) {
      const socket = this.io.sockets.sockets.get(id);
      if (!socket) continue;
      const joined = socket.rooms.has(deviceRoom(pendingId));
      void socket.leave(numberRoom(pendingId));
      void socket.leave(deviceRoom(pendingId));
      socket.data.numbers?.delete(pendingId);
      if (!this.deps.policy.allows(socket.data.principal, SCOPE, row)) continue;
      socket.data.numbers?.add(row.phoneNumber);
      if (socket.data.numbers) void socket.join(numberRoom(row.phoneNumber));
      if (joined) void socket.join(deviceRoom(row.phoneNumber));
    }
  }

  /** A number came or went: sockets that may follow it join its room; the others leave it (and its device room). */
  private recheckNumber(socket: IoSocket, phoneNumber: string): void {
    if (socket.data.numbers === null) return;
    const row = this.deps.devices.get(phoneNumber);
    if (row && this.deps.policy.allows(socket.data.principal, SCOPE, row)) {
      socket.data.numbers.add(phoneNumber);
      void socket.join(numberRoom(phoneNumber));
    } else {
      socket.data.numbers.delete(phoneNumber);
      void socket.leave(numberRoom(phoneNumber));
      void socket.leave(deviceRoom(phoneNumber));
    }
  }

  /**
   * Replay (when `since` is given), then join the live stream: the journal decides when the socket joins its room,
   * so that every message is either in the replay or arrives live, never both, never neither.
   */
  private join(socket: IoSocket, request: unknown, ack: ((result: JoinResult) => void) | undefined): void {
    const room = roomOf(request);
    const fail = (err: unknown): void => {
      const error = err instanceof GatewayError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: 'join failed' };
      if (!(err instanceof GatewayError)) this.deps.logger.error({ err, room }, 'socket join failed');
      socket.emit('join-error', { room, ...error });
      ack?.({ ok: false, room, error });
    };
    const done = (figures: JoinFigures): void => ack?.({ ok: true, room, ...figures });
    try {
      const { phoneNumber, since } = parseJoin(request);
      this.requireNumber(socket, phoneNumber);
      const joined = this.deps.journal.join(
        phoneNumber,
        since,
        this.deps.resumeLimit,
        (message, derived) => {
          socket.emit('device-websocket-message', { message, timestamp: message.at });
          emitDerived(socket, phoneNumber, message.seq, derived);
        },
        () => void socket.join(deviceRoom(phoneNumber)),
      );
      if (joined instanceof Promise) joined.then(done, fail);
      else done(joined);
    } catch (err) {
      fail(err);
    }
  }

  /** The policy's check, with refusals written to the audit log like REST refusals. */
  private requireNumber(socket: IoSocket, phoneNumber: string): void {
    try {
      this.deps.policy.require(socket.data.principal, SCOPE, phoneNumber);
    } catch (err) {
      if (err instanceof AccessDenied) {
        this.deps.audit.later({
          actor: actorOf(socket.data.principal),
          action: 'realtime.join',
          result: 'denied',
          ip: clientAddress(socket.request, this.deps.trustProxy) ?? null,
          phoneNumber,
          target: { type: 'number', id: phoneNumber },
          httpStatus: err.code === 'FORBIDDEN' ? 403 : 404,
          errorCode: err.code,
        });
      }
      throw err;
    }
  }
}

/** The conversation store's changes (`message.new`, `conversation.updated`, …), right after the event they came from. */
function emitDerived(socket: IoSocket, phoneNumber: string, seq: number, derived: readonly DerivedEvent[]): void {
  for (const { name, data } of derived) {
    if (!isStoreEvent(name)) continue;
    (socket.emit as (event: StoreEventName, payload: Record<string, unknown>) => boolean)(name, { phoneNumber, seq, ...data });
  }
}

function roomOf(request: unknown): string {
  if (typeof request === 'string') return request;
  const room = (request as { room?: unknown } | null)?.room;
  return typeof room === 'string' ? room : '';
}

function parseJoin(request: unknown): { phoneNumber: string; since?: number } {
  const room = roomOf(request);
  const phoneNumber = room.startsWith(DEVICE_ROOM_PREFIX) ? parseNumberKey(room.slice(DEVICE_ROOM_PREFIX.length)) : null;
  if (!phoneNumber) throw new GatewayError('VALIDATION_FAILED', 'room must be device-<phoneNumber>');
  const since = typeof request === 'object' && request !== null ? (request as { since?: unknown }).since : undefined;
  if (since === undefined || since === null) return { phoneNumber };
  if (typeof since !== 'number' || !Number.isInteger(since) || since < 0) throw new GatewayError('VALIDATION_FAILED', 'since must be a sequence number (an integer ≥ 0)');
  return { phoneNumber, since };
}
