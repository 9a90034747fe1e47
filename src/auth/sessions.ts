import crypto from 'node:crypto';
import type { AuthSessionRepository } from '../db/repositories/auth-sessions.js';
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
const CACHE_MAX = 10_000;

/**
 * Server-side sign-in sessions with refresh-token rotation and reuse detection (OAuth 2.0 Security BCP §4.14):
 * every refresh swaps the token for a new one; an already-swapped token coming back means a copy exists, so the
 * whole session is ended and both holders must sign in again. See docs/security.md.
 */
export class SessionService {
  readonly events = new TypedEmitter<SessionEvents>();
  /** Session id → still active, for the check every dashboard request makes; ended sessions are updated here. */
  private readonly activeCache = new Map<string, boolean>();
  private pruner: NodeJS.Timeout | null = null;

  constructor(
    private readonly repo: AuthSessionRepository,
    private readonly clock: Clock,
    private readonly settings: SessionSettings,
    private readonly logger: Logger,
  ) {}

  start(userId: number, meta: { userAgent: string | null; ip: string | null }): { session: AuthSessionRow; refreshToken: string } {
    const now = this.clock.now();
    const refreshToken = newSecret();
    const maxExpiresAt = now + this.settings.maxMs;
    const session = this.repo.insert(
      { id: crypto.randomUUID(), userId, userAgent: meta.userAgent?.slice(0, 300) ?? null, ip: meta.ip, lastUsedAt: now, expiresAt: Math.min(now + this.settings.idleMs, maxExpiresAt), maxExpiresAt },
      hash(refreshToken),
      now,
    );
    this.remember(session.id, true);
    return { session, refreshToken };
  }

  /** Exchange a refresh token; throws UNAUTHORIZED (with `reason`) when it cannot be used. */
  refresh(refreshToken: string): RefreshOutcome {
    const now = this.clock.now();
    const tokenHash = hash(refreshToken);
    const outcome = this.repo.transaction((): RefreshOutcome | { kind: 'reused'; session: AuthSessionRow } => {
      const token = this.repo.token(tokenHash);
      const session = token ? this.repo.get(token.sessionId) : undefined;
      if (!token || !session) throw refused('unknown', 'not signed in');
      if (session.revokedAt !== null) throw refused('ended', 'this session was signed out; sign in again');
      if (session.expiresAt <= now) throw refused('expired', 'the session expired; sign in again');
      if (token.rotatedAt !== null) return { kind: now - token.rotatedAt < this.settings.graceMs ? 'grace' : 'reused', session };
      const next = newSecret();
      const expiresAt = Math.min(now + this.settings.idleMs, session.maxExpiresAt);
      this.repo.rotate(session.id, tokenHash, hash(next), now, expiresAt);
      return { kind: 'rotated', session: { ...session, lastUsedAt: now, expiresAt }, refreshToken: next };
    });
    if (outcome.kind !== 'reused') return outcome;
    this.endWhere({ id: outcome.session.id }, outcome.session.userId, 'refresh token reused');
    this.logger.warn({ sessionId: outcome.session.id, userId: outcome.session.userId }, 'a rotated refresh token was used again: session ended');
    throw refused('reused', 'this sign-in was used from somewhere else, so it was ended; sign in again');
  }

  /** The session a refresh token belongs to (for sign-out), or null. */
  sessionOf(refreshToken: string): AuthSessionRow | null {
    const token = this.repo.token(hash(refreshToken));
    return (token && this.repo.get(token.sessionId)) ?? null;
  }

  end(sessionId: string, reason: string): void {
    const session = this.repo.get(sessionId);
    if (session) this.endWhere({ id: sessionId }, session.userId, reason);
  }

  /** Every session of the user ("sign out everywhere", or an admin revoking a user's sign-ins). */
  endAll(userId: number, reason: string): number {
    return this.endWhere({ userId }, userId, reason);
  }

  /** The user's live sessions, newest first. */
  list(userId: number): AuthSessionRow[] {
    return this.repo.active(userId, this.clock.now());
  }

  /** Checked for every access token that names a session: an ended session's tokens stop working at once. */
  isActive(sessionId: string): boolean {
    const known = this.activeCache.get(sessionId);
    if (known !== undefined) return known;
    const session = this.repo.get(sessionId);
    const active = session !== undefined && session.revokedAt === null && session.expiresAt > this.clock.now();
    this.remember(sessionId, active);
    return active;
  }

  /** Forget sessions that ended or expired more than `keepMs` ago. */
  prune(keepMs: number): number {
    return this.repo.prune(this.clock.now() - keepMs);
  }

  /** Prune now and every `everyMs` until `stop()`; a failed prune is logged, never thrown. */
  startPruning(keepMs: number, everyMs: number): void {
    const run = () => {
      try {
        this.prune(keepMs);
      } catch (err) {
        this.logger.error({ err }, 'pruning old sign-in sessions failed');
      }
    };
    run();
    this.pruner = setInterval(run, everyMs);
    this.pruner.unref();
  }

  stop(): void {
    if (this.pruner) clearInterval(this.pruner);
    this.pruner = null;
  }

  private endWhere(where: { id: string } | { userId: number }, userId: number, reason: string): number {
    const ids = this.repo.revoke(where, reason, this.clock.now());
    for (const id of ids) this.remember(id, false);
    if (ids.length > 0) this.events.emit('ended', { userId, sessionIds: ids, reason });
    return ids.length;
  }

  private remember(sessionId: string, active: boolean): void {
    this.activeCache.delete(sessionId);
    if (this.activeCache.size >= CACHE_MAX) this.activeCache.delete(this.activeCache.keys().next().value as string);
    this.activeCache.set(sessionId, active);
  }
}

function refused(reason: string, message: string): GatewayError {
  return new GatewayError('UNAUTHORIZED', message, { reason });
}
