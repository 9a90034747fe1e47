import crypto from 'node:crypto';
import type { AuthSessionStore, SessionSelector } from '../db/ports/auth-sessions.js';
import type { AuthSessionRow } from '../db/schema.js';
import { GatewayError } from '../domain/errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter } from '../lib/typed-emitter.js';

export interface SessionSettings {
  /** A session ends after this long without a refresh. */
  readonly idleMs: number;
  /** …and this long after sign-in at the latest. */
  readonly maxMs: number;
  /**
   * A token rotated less than this long ago may come back once more without ending the session: two tabs that
   * reload together send the same cookie. It then gets an access token but no new refresh token.
   */
  readonly graceMs: number;
}

export interface SessionEvents {
  [event: string]: unknown;
  /** Sessions were ended: whatever holds their access tokens (live sockets) must let go. */
  ended: { userId: number; sessionIds: string[]; reason: string };
}

export type RefreshOutcome =
  | { readonly kind: 'rotated'; readonly session: AuthSessionRow; readonly refreshToken: string }
  | { readonly kind: 'grace'; readonly session: AuthSessionRow };

/** The secret a browser keeps in its cookie; only its SHA-256 is stored. */
const newSecret = () => crypto.randomBytes(32).toString('base64url');
const hash = (secret: string) => crypto.createHash('sha256').update(secret).digest('hex');

/**
 * Server-side sign-in sessions with refresh-token rotation and reuse detection (OAuth 2.0 Security BCP §4.14):
 * every refresh swaps the token for a new one; an already-swapped token coming back means a copy exists, so the
 * whole session is ended and both holders must sign in again. See docs/security.md.
 */
export class SessionService {
  readonly events = new TypedEmitter<SessionEvents>();
  /**
   * Live session id → its idle expiry, for the check every request with a dashboard token makes (synchronous).
   * Loaded at boot and kept by this service's own writes: exact while it is the only writer (docs/cluster.md).
   */
  private readonly live = new Map<string, number>();
  private pruner: NodeJS.Timeout | null = null;

  private constructor(
    private readonly repo: AuthSessionStore,
    private readonly clock: Clock,
    private readonly settings: SessionSettings,
    private readonly logger: Logger,
  ) {}

  static async load(repo: AuthSessionStore, clock: Clock, settings: SessionSettings, logger: Logger): Promise<SessionService> {
    const service = new SessionService(repo, clock, settings, logger);
    for (const session of await repo.active(clock.now())) service.live.set(session.id, session.expiresAt);
    return service;
  }

  async start(userId: number, meta: { userAgent: string | null; ip: string | null }): Promise<{ session: AuthSessionRow; refreshToken: string }> {
    const now = this.clock.now();
    const refreshToken = newSecret();
    const maxExpiresAt = now + this.settings.maxMs;
    const session = await this.repo.insert(
      { id: crypto.randomUUID(), userId, userAgent: meta.userAgent?.slice(0, 300) ?? null, ip: meta.ip, lastUsedAt: now, expiresAt: Math.min(now + this.settings.idleMs, maxExpiresAt), maxExpiresAt },
      hash(refreshToken),
      now,
    );
    this.live.set(session.id, session.expiresAt);
    return { session, refreshToken };
  }

  /** Exchange a refresh token; throws UNAUTHORIZED (with `reason`) when it cannot be used. */
  async refresh(refreshToken: string): Promise<RefreshOutcome> {
    const now = this.clock.now();
    const next = newSecret();
    const outcome = await this.repo.exchange<RefreshOutcome | { kind: 'reused'; session: AuthSessionRow }>(hash(refreshToken), (found) => {
      if (!found) throw refused('unknown', 'not signed in');
      const { token, session } = found;
      if (session.revokedAt !== null) throw refused('ended', 'this session was signed out; sign in again');
      if (session.expiresAt <= now) throw refused('expired', 'the session expired; sign in again');
      if (token.rotatedAt !== null) return { result: { kind: now - token.rotatedAt < this.settings.graceMs ? 'grace' : 'reused', session } };
      const expiresAt = Math.min(now + this.settings.idleMs, session.maxExpiresAt);
      return {
        result: { kind: 'rotated', session: { ...session, lastUsedAt: now, expiresAt }, refreshToken: next },
        rotate: { newHash: hash(next), now, expiresAt },
      };
    });
    if (outcome.kind === 'rotated') this.live.set(outcome.session.id, outcome.session.expiresAt);
    if (outcome.kind !== 'reused') return outcome;
    await this.endWhere({ id: outcome.session.id }, outcome.session.userId, 'refresh token reused');
    this.logger.warn({ sessionId: outcome.session.id, userId: outcome.session.userId }, 'a rotated refresh token was used again: session ended');
    throw refused('reused', 'this sign-in was used from somewhere else, so it was ended; sign in again');
  }

  /** The session a refresh token belongs to (for sign-out), or null. */
  async sessionOf(refreshToken: string): Promise<AuthSessionRow | null> {
    return (await this.repo.byToken(hash(refreshToken)))?.session ?? null;
  }

  async end(sessionId: string, reason: string): Promise<void> {
    const session = await this.repo.get(sessionId);
    if (session) await this.endWhere({ id: sessionId }, session.userId, reason);
  }

  /** Every session of the user ("sign out everywhere", or an admin revoking a user's sign-ins). */
  endAll(userId: number, reason: string): Promise<number> {
    return this.endWhere({ userId }, userId, reason);
  }

  /** The user's live sessions, newest first. */
  list(userId: number): Promise<AuthSessionRow[]> {
    return this.repo.active(this.clock.now(), userId);
  }

  /**
   * Another node changed a session (distributed mode's change feed): read it again, or every live one (`null`).
   * One ended elsewhere is announced as `ended` here too, so this node's sockets holding its tokens let go.
   */
  async reread(sessionId: string | null): Promise<void> {
    const now = this.clock.now();
    if (sessionId === null) {
      const active = await this.repo.active(now);
      const ids = new Set(active.map((s) => s.id));
      for (const id of this.live.keys()) if (!ids.has(id)) this.live.delete(id);
      for (const session of active) this.live.set(session.id, session.expiresAt);
      return;
    }
    const session = await this.repo.get(sessionId);
    if (session && session.revokedAt === null && session.expiresAt > now) {
      this.live.set(session.id, session.expiresAt);
      return;
    }
    const known = this.live.delete(sessionId);
    if (known && session) this.events.emit('ended', { userId: session.userId, sessionIds: [sessionId], reason: session.revokedReason ?? 'session ended' });
  }

  /** Checked for every access token that names a session: an ended session's tokens stop working at once. */
  isActive(sessionId: string): boolean {
    return (this.live.get(sessionId) ?? 0) > this.clock.now();
  }

  /** Forget sessions that ended or expired more than `keepMs` ago. */
  async prune(keepMs: number): Promise<number> {
    const now = this.clock.now();
    for (const [id, expiresAt] of this.live) if (expiresAt <= now) this.live.delete(id);
    return this.repo.prune(now - keepMs);
  }

  /** Prune now and every `everyMs` until `stop()`; a failed prune is logged, never thrown. */
  startPruning(keepMs: number, everyMs: number): void {
    const run = () => {
      this.prune(keepMs).catch((err: unknown) => this.logger.error({ err }, 'pruning old sign-in sessions failed'));
    };
    run();
    this.pruner = setInterval(run, everyMs);
    this.pruner.unref();
  }

  stop(): void {
    if (this.pruner) clearInterval(this.pruner);
    this.pruner = null;
  }

  private async endWhere(where: SessionSelector, userId: number, reason: string): Promise<number> {
    const ids = await this.repo.revoke(where, reason, this.clock.now());
    for (const id of ids) this.live.delete(id);
    if (ids.length > 0) this.events.emit('ended', { userId, sessionIds: ids, reason });
    return ids.length;
  }
}

function refused(reason: string, message: string): GatewayError {
  return new GatewayError('UNAUTHORIZED', message, { reason });
}
