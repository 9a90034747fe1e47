import type { Namespace, Server, Socket } from 'socket.io';
import type { AuditLog } from '../audit/audit-log.js';
import type { Authenticator } from '../auth/authenticate.js';
import type { AccessChange, AccessPolicy } from '../auth/policy.js';
import type { CallerPrincipal } from '../auth/principal.js';
import type { DeviceReader } from '../db/ports/devices.js';
import { GatewayError } from '../domain/errors.js';
import { parsePhoneNumber } from '../domain/phone.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { SupervisorEvents } from '../supervisor/types.js';
import { socketAuth } from './socket-auth.js';

/** A line as the client gets it. */
export interface LogLineOut {
  readonly phoneNumber: string;
  readonly at: string;
  readonly stream: 'stdout' | 'stderr' | 'gateway';
  readonly line: string;
}

export interface LogServerEvents {
  'log-line': (line: LogLineOut) => void;
}

export type LogSubscribeResult = { ok: true; phoneNumber: string; lines: LogLineOut[] } | { ok: false; error: { code: string; message: string } };

export interface LogClientEvents {
  /** Start receiving a number's lines; the answer carries its newest `backlog` lines first. */
  subscribe: (phoneNumber: string, ack: (result: LogSubscribeResult) => void) => void;
  unsubscribe: (phoneNumber: string) => void;
}

interface LogSocketData {
  principal: CallerPrincipal;
}

type LogSocket = Socket<LogClientEvents, LogServerEvents, Record<string, never>, LogSocketData>;

export interface LogStreamDeps {
  readonly supervisor: Supervisor;
  readonly devices: DeviceReader;
  readonly authn: Authenticator;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
  readonly trustProxy: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Lines sent with a subscription, before the live ones. */
  readonly backlog: number;
}

export const LOG_NAMESPACE = '/logs';
const room = (phoneNumber: string) => `logs-${phoneNumber}`;
const view = (phoneNumber: string, line: { at: number; stream: LogLineOut['stream']; line: string }): LogLineOut => ({ phoneNumber, at: new Date(line.at).toISOString(), stream: line.stream, line: line.line });
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Process output is for operators and up (as GET /api/devices/{phone}/logs). */
const SCOPE = 'numbers:read';
const LEVEL = 'operator';

/**
 * The live tail of a number's process output, on the Socket.IO namespace `/logs` (same connection, same credentials
 * as the event feed; `numbers:read` at operator level on each number). Subscribing sends the newest lines and joins
 * in one synchronous step, so no line falls between the backlog and the live ones. Each line is checked against the
 * reader's access as it goes out, and a socket whose credential or access ends is disconnected at once.
 */
export class LogStream {
  readonly namespace: Namespace<LogClientEvents, LogServerEvents, Record<string, never>, LogSocketData>;
  private readonly offs: (() => void)[];
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(io: Server, private readonly deps: LogStreamDeps) {
    this.namespace = io.of(LOG_NAMESPACE) as unknown as LogStream['namespace'];
    this.namespace.use(socketAuth(deps, SCOPE) as Parameters<LogStream['namespace']['use']>[0]);
    this.namespace.on('connection', (socket) => this.onConnection(socket));
    this.offs = [deps.supervisor.events.on('log', (line) => this.publish(line)), deps.policy.changes.on('changed', (change) => this.recheck(change))];
  }

  close(): void {
    for (const off of this.offs) off();
    for (const timer of this.timers.values()) this.deps.clock.clearTimeout(timer);
    this.timers.clear();
    this.namespace.disconnectSockets(true);
  }

  private publish(line: SupervisorEvents['log']): void {
    try {
      const members = this.namespace.adapter.rooms.get(room(line.phoneNumber));
      if (!members) return;
      const row = this.deps.devices.get(line.phoneNumber);
      if (!row) return;
      const out = view(line.phoneNumber, line);
      for (const id of members) {
        const socket = this.namespace.sockets.get(id);
        if (socket && this.deps.policy.allows(socket.data.principal, SCOPE, row, LEVEL)) socket.emit('log-line', out);
      }
    } catch (err) {
      // A child's output must never fail because a reader did.
      this.deps.logger.error({ err, phoneNumber: line.phoneNumber }, 'log stream publish failed');
    }
  }

  private onConnection(socket: LogSocket): void {
    this.armExpiry(socket);
    socket.on('disconnect', () => {
      const timer = this.timers.get(socket.id);
      if (timer) this.deps.clock.clearTimeout(timer);
      this.timers.delete(socket.id);
    });
    socket.on('subscribe', (phone, ack) => {
      const answer = typeof ack === 'function' ? ack : () => undefined;
      try {
        const phoneNumber = parsePhoneNumber(phone);
        if (!phoneNumber) throw new GatewayError('VALIDATION_FAILED', 'give a phone number to subscribe to');
        this.deps.policy.require(socket.data.principal, SCOPE, phoneNumber, LEVEL);
        const lines = (this.deps.supervisor.runner(phoneNumber)?.logs.tail(this.deps.backlog) ?? []).map((l) => view(phoneNumber, l));
        void socket.join(room(phoneNumber));
        answer({ ok: true, phoneNumber, lines });
      } catch (err) {
        answer({ ok: false, error: err instanceof GatewayError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: 'subscribe failed' } });
      }
    });
    socket.on('unsubscribe', (phone) => {
      const phoneNumber = parsePhoneNumber(phone);
      if (phoneNumber) void socket.leave(room(phoneNumber));
    });
  }

  /** Sockets of a principal whose credential ended (or whose role was lowered) go; the others carry on re-checked. */
  private recheck(change: AccessChange): void {
    if (change.kind === 'number') return;
    for (const socket of this.namespace.sockets.values()) {
      const { principal } = socket.data;
      const affected = change.kind === 'user' ? principal.user.id === change.userId : principal.kind === 'key' && principal.use.key.id === change.keyId;
      if (!affected) continue;
      const fresh = this.deps.authn.refresh(principal);
      if (!fresh || (change.kind === 'user' && change.reconnect === true)) socket.disconnect(true);
      else socket.data.principal = fresh;
    }
  }

  /** A socket does not outlive its token. */
  private armExpiry(socket: LogSocket, at = socket.data.principal.expiresAt): void {
    if (at === null) return;
    const left = Math.max(0, at - this.deps.clock.now());
    const timer = this.deps.clock.setTimeout(() => (left > MAX_TIMER_MS ? this.armExpiry(socket, at) : socket.disconnect(true)), Math.min(left, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(socket.id, timer);
  }
}
