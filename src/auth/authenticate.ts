import { errors } from '../domain/errors.js';
import type { AccountService } from './accounts.js';
import type { ApiKeyService } from './api-keys.js';
import { looksLikeKey } from './key-format.js';
import type { CallerPrincipal } from './principal.js';
import type { TokenService } from './tokens.js';

/** The credential of an `Authorization: Bearer` header (a JWT or an API key), or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9\-_=.+/]{10,4096})$/.exec(header.trim());
  return match?.[1] ?? null;
}

/**
 * Credentials → principal, for REST, Socket.IO and WebSocket upgrades alike. Every failure is the same 401 (no hint
 * which): missing, malformed, expired, revoked, foreign-signed, a disabled account, a key from a refused address.
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly accounts: AccountService,
    private readonly keys: ApiKeyService,
  ) {}

  authenticate(token: string | null, address: string | null): CallerPrincipal {
    if (!token) throw errors.unauthorized();
    if (looksLikeKey(token)) {
      const use = this.keys.authenticate(token, address);
      const owner = this.accounts.account(use.key.ownerId);
      if (!owner || owner.disabled) throw errors.unauthorized();
      return { kind: 'key', user: owner, use, expiresAt: use.expiresAt };
    }
    const claims = this.tokens.verify(token);
    const user = this.accounts.account(claims.userId);
    if (!user || user.disabled || user.generation !== claims.generation) throw errors.unauthorized();
    return { kind: 'user', user, generation: claims.generation, expiresAt: claims.expiresAt, ...(claims.sessionId ? { sessionId: claims.sessionId } : {}) };
  }

  /**
   * The same principal with its account's current role, or null once its credential no longer works (revoked key or
   * tokens, disabled account, expired). Long-lived connections call this whenever access changes.
   */
  refresh(principal: CallerPrincipal): CallerPrincipal | null {
    const user = this.accounts.account(principal.user.id);
    if (!user || user.disabled) return null;
    if (principal.kind === 'user') {
      if (user.generation !== principal.generation) return null;
      if (principal.expiresAt !== null && Date.now() >= principal.expiresAt) return null;
      if (principal.sessionId !== undefined && !this.tokens.isSessionActive(principal.sessionId)) return null;
      return { ...principal, user };
    }
    const use = this.keys.stillValid(principal.use);
    return use ? { kind: 'key', user, use, expiresAt: use.expiresAt } : null;
  }
}
