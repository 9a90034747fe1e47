import type { Request, RequestHandler } from 'express';
import { GatewayError } from '../domain/errors.js';
import type { AccountService } from '../auth/accounts.js';
import type { AuthUser, TokenService } from '../auth/tokens.js';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthUser;
  }
}

/** The bearer token of a request, or null; used by REST, the proxy's WebSocket upgrade and Socket.IO alike. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.?[A-Za-z0-9\-_.+/=]*)$/.exec(header.trim());
  return match?.[1] ?? null;
}

/** Verify a token and that its user still exists; throws UNAUTHORIZED. */
export function authenticateToken(token: string | null, tokens: TokenService, accounts: AccountService): AuthUser {
  if (!token) throw new GatewayError('UNAUTHORIZED', 'missing or malformed bearer token');
  const user = tokens.verify(token);
  if (!accounts.exists(user.id)) throw new GatewayError('UNAUTHORIZED', 'invalid token');
  return user;
}

export function requireAuth(tokens: TokenService, accounts: AccountService): RequestHandler {
  return (req, _res, next) => {
    try {
      req.auth = authenticateToken(bearerToken(req.headers.authorization), tokens, accounts);
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function currentUser(req: Request): AuthUser {
  if (!req.auth) throw new GatewayError('UNAUTHORIZED', 'not authenticated');
  return req.auth;
}

export const requireAdmin: RequestHandler = (req, _res, next) => {
  next(currentUser(req).role === 'admin' ? undefined : new GatewayError('FORBIDDEN', 'admin role required'));
};
