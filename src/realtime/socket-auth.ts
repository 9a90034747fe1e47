import type { Socket } from 'socket.io';
import { actorOf } from '../audit/actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { bearerToken, type Authenticator } from '../auth/authenticate.js';
import type { AccessPolicy } from '../auth/policy.js';
import type { CallerPrincipal } from '../auth/principal.js';
import type { Scope } from '../domain/access.js';
import { GatewayError } from '../domain/errors.js';
import { clientAddress } from '../lib/client-address.js';

/** socket.io's middleware signature; the error's `data` reaches the client's `connect_error`. */
type Next = (err?: Error & { data?: unknown }) => void;

export interface SocketAuthDeps {
  readonly authn: Authenticator;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
  readonly trustProxy: number;
}

/**
 * The handshake needs a valid JWT or API key with `scope` (the event feed: `events:subscribe`): `io(url, { auth: { token } })` or an
 * `Authorization: Bearer` header; never a query string. Refused: `connect_error` with message `UNAUTHORIZED` (any bad
 * credential, no hint which) or `FORBIDDEN` (a valid key without the scope). Refusals are audited.
 */
export function socketAuth(deps: SocketAuthDeps, scope: Scope = 'events:subscribe') {
  return (socket: Socket, next: Next): void => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : bearerToken(socket.handshake.headers.authorization);
    const address = clientAddress(socket.request, deps.trustProxy) ?? null;
    let principal: CallerPrincipal | undefined;
    try {
      principal = deps.authn.authenticate(token, address);
      deps.policy.requireScope(principal, scope);
      socket.data.principal = principal;
      next();
    } catch (err) {
      const known = err instanceof GatewayError ? err : new GatewayError('UNAUTHORIZED', 'missing, invalid or expired credentials');
      const code = known.code === 'FORBIDDEN' ? 'FORBIDDEN' : 'UNAUTHORIZED';
      deps.audit.later({
        actor: actorOf(principal),
        action: 'realtime.connect',
        result: 'denied',
        ip: address,
        userAgent: socket.handshake.headers['user-agent'] ?? null,
        httpStatus: code === 'FORBIDDEN' ? 403 : 401,
        errorCode: code,
      });
      const refusal: Error & { data?: unknown } = new Error(code);
      refusal.data = { code, message: known.message, ...(known.details ?? {}) };
      next(refusal);
    }
  };
}
