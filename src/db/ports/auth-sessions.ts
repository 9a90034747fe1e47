import type { AuthRefreshTokenRow, AuthSessionRow } from '../schema.js';

export type NewAuthSession = Omit<AuthSessionRow, 'createdAt' | 'revokedAt' | 'revokedReason'>;

/** A refresh token with the session it belongs to. */
export interface PresentedToken {
  readonly token: AuthRefreshTokenRow;
  readonly session: AuthSessionRow;
}

/** The session's next token: the presented one is retired (`rotatedAt`), the session's idle expiry moves. */
export interface Rotation {
  readonly newHash: string;
  readonly now: number;
  readonly expiresAt: number;
}

/**
 * Decides a refresh from the token and its session as they are inside the exchange's transaction (locked there):
 * two gateways exchanging the same token at once take turns, and the second sees it already rotated. Synchronous
 * and pure; may throw (nothing is written). `rotate` absent: nothing is written.
 */
export type TokenExchange<T> = (found: PresentedToken | undefined) => { readonly result: T; readonly rotate?: Rotation };

export type SessionSelector = { readonly id: string } | { readonly userId: number };

/** Sign-in sessions and their refresh tokens (SHA-256 only) on either dialect; the rules live in src/auth/sessions.ts. */
export interface AuthSessionStore {
  /** The session with its first token, in one transaction; a foreign key error without its user. */
  insert(session: NewAuthSession, tokenHash: string, now: number): Promise<AuthSessionRow>;
  get(id: string): Promise<AuthSessionRow | undefined>;
  byToken(tokenHash: string): Promise<PresentedToken | undefined>;
  /** One refresh in one transaction: read, decide, rotate. */
  exchange<T>(tokenHash: string, decide: TokenExchange<T>): Promise<T>;
  /** Ends sessions not already ended; the ids ended now (a session ended twice at once is ended once). */
  revoke(where: SessionSelector, reason: string, now: number): Promise<string[]>;
  /** Sessions neither ended nor expired at `now` (of one user, or of everyone), newest first. */
  active(now: number, userId?: number): Promise<AuthSessionRow[]>;
  /** Forgets sessions that expired or ended before `before`, with their tokens; how many. */
  prune(before: number): Promise<number>;
}
