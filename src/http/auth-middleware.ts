import type { RequestHandler } from 'express';
import { errors } from '../domain/errors.js';
import type { AccountService } from '../auth/accounts.js';
import { authenticateToken, bearerToken } from '../auth/bearer.js';
import type { AuthUser, TokenService } from '../auth/tokens.js';
import type { PlainHandler, PlainRequest } from './plain-handler.js';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthUser;
  }
}

export function requireAuth(tokens: TokenService, accounts: AccountService): PlainHandler {
  return (req, _res, next) => {
    try {
      req.auth = authenticateToken(bearerToken(req.headers.authorization), tokens, accounts);
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function currentUser(req: PlainRequest): AuthUser {
  if (!req.auth) throw errors.unauthorized('not authenticated');
  return req.auth;
}

export const requireAdmin: RequestHandler = (req, _res, next) => {
  next(currentUser(req).role === 'admin' ? undefined : errors.forbidden('admin role required'));
};
