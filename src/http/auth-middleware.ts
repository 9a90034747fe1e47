import type { Request, RequestHandler } from 'express';
import type { Account } from '../auth/accounts.js';
import { bearerToken, type Authenticator } from '../auth/authenticate.js';
import type { CallerPrincipal } from '../auth/principal.js';
import type { DeviceRow } from '../db/schema.js';
import { errors } from '../domain/errors.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who is calling (a signed-in user or an API key); set for every route but the public ones. */
    principal?: CallerPrincipal;
    /** The number of the route's path, after the route's permission was checked on it. */
    device?: DeviceRow;
  }
}

/** `Authorization: Bearer <JWT or API key>` → `req.principal`, or 401. Never from a query string or a cookie. */
export function requireAuth(authn: Authenticator): RequestHandler {
  return (req, _res, next) => {
    try {
      req.principal = authn.authenticate(bearerToken(req.headers.authorization), req.ip ?? null);
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function currentPrincipal(req: Request): CallerPrincipal {
  if (!req.principal) throw errors.unauthorized();
  return req.principal;
}

/** The account the caller acts for (an API key's owner). */
export function currentUser(req: Request): Account {
  return currentPrincipal(req).user;
}

/** The route's number, checked by its permission (see route-guard.ts). */
export function currentDevice(req: Request): DeviceRow {
  if (!req.device) throw errors.invalid('this route has no number in its path');
  return req.device;
}
