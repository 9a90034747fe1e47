import type { Account } from '../auth/accounts.js';
import { bearerToken, type Authenticator } from '../auth/authenticate.js';
import type { CallerPrincipal } from '../auth/principal.js';
import type { DeviceRow } from '../db/schema.js';
import { errors } from '../domain/errors.js';
import { clientAddress } from '../lib/client-address.js';
import type { GatewayRequestFields, PlainHandler, PlainRequest } from './plain-handler.js';

declare module 'express-serve-static-core' {
  // The gateway's fields on Express's requests are the ones of the lean chain's (plain-handler.ts).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Request extends GatewayRequestFields {}
}

/** `Authorization: Bearer <JWT or API key>` → `req.principal`, or 401. Never from a query string or a cookie. */
export function requireAuth(authn: Authenticator, trustProxy: number): PlainHandler {
  return (req, _res, next) => {
    try {
      req.principal = authn.authenticate(bearerToken(req.headers.authorization), clientAddress(req, trustProxy) ?? null);
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function currentPrincipal(req: PlainRequest): CallerPrincipal {
  if (!req.principal) throw errors.unauthorized();
  return req.principal;
}

/** The account the caller acts for (an API key's owner). */
export function currentUser(req: PlainRequest): Account {
  return currentPrincipal(req).user;
}

/** The route's number, checked by its permission (see route-guard.ts). */
export function currentDevice(req: PlainRequest): DeviceRow {
  if (!req.device) throw errors.invalid('this route has no number in its path');
  return req.device;
}
