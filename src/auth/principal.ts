import type { Account } from './accounts.js';
import type { KeyUse } from './api-keys.js';

/** Someone signed in: a token (password login or a dashboard session) of the token generation it was issued in. */
export interface UserPrincipal {
  readonly kind: 'user';
  readonly user: Account;
  readonly generation: number;
  readonly sessionId?: string;
  /** ms; null = never (not issued by us, kept for completeness). */
  readonly expiresAt: number | null;
}

/** A machine with an API key: never wider than the key's owner (`user`), whose rights are read on every check. */
export interface KeyPrincipal {
  readonly kind: 'key';
  readonly user: Account;
  readonly use: KeyUse;
  readonly expiresAt: number | null;
}

/** The gateway itself (supervisor, jobs, boot restore): may do everything, is never an HTTP caller. */
export interface SystemPrincipal {
  readonly kind: 'system';
  readonly name: string;
}

export type Principal = UserPrincipal | KeyPrincipal | SystemPrincipal;
export type CallerPrincipal = UserPrincipal | KeyPrincipal;

export const SYSTEM: SystemPrincipal = Object.freeze({ kind: 'system', name: 'gateway' });

/** The account a principal acts for (a key's owner), or null for the gateway itself. */
export function accountOf(principal: Principal): Account | null {
  return principal.kind === 'system' ? null : principal.user;
}
