import { errors } from '../domain/errors.js';
import type { AccountService } from './accounts.js';
import type { AuthUser, TokenService } from './tokens.js';

/** The bearer token of an Authorization header, or null; used by REST, WebSocket upgrades and Socket.IO alike. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.?[A-Za-z0-9\-_.+/=]*)$/.exec(header.trim());
  return match?.[1] ?? null;
}

/** Verify a token and that its user still exists; throws UNAUTHORIZED. */
export function authenticateToken(token: string | null, tokens: TokenService, accounts: AccountService): AuthUser {
  if (!token) throw errors.unauthorized('missing or malformed bearer token');
  const user = tokens.verify(token);
  if (!accounts.exists(user.id)) throw errors.unauthorized();
  return user;
}
