import type { Socket } from 'socket.io';
import type { AccountService } from '../auth/accounts.js';
import type { TokenService } from '../auth/tokens.js';
import { GatewayError } from '../domain/errors.js';
import { authenticateToken, bearerToken } from '../auth/bearer.js';

/** socket.io's middleware signature; the error's `data` reaches the client's `connect_error`. */
type Next = (err?: Error & { data?: unknown }) => void;

/**
 * The handshake needs a valid JWT: `io(url, { auth: { token } })` or an `Authorization: Bearer` header.
 * Without one the connection is refused (`connect_error` with message `UNAUTHORIZED`).
 */
export function socketAuth(tokens: TokenService, accounts: AccountService) {
  return (socket: Socket, next: Next): void => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : bearerToken(socket.handshake.headers.authorization);
    try {
      socket.data.user = authenticateToken(token, tokens, accounts);
      socket.data.expiresAt = tokenExpiry(token);
      next();
    } catch (err) {
      const reason = err instanceof GatewayError ? err.message : 'invalid token';
      const refusal: Error & { data?: unknown } = new Error('UNAUTHORIZED');
      refusal.data = { code: 'UNAUTHORIZED', message: reason };
      next(refusal);
    }
  };
}

/** `exp` (ms) of a token that was already verified, so a socket does not outlive its token. */
export function tokenExpiry(token: string | null): number | null {
  const part = token?.split('.')[1];
  if (!part) return null;
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}
