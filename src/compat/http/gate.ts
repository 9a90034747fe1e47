import type { Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AddressList } from '../../auth/address-list.js';
import { bearerToken, type Authenticator } from '../../auth/authenticate.js';
import type { AccessPolicy } from '../../auth/policy.js';
import type { CallerPrincipal } from '../../auth/principal.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { errors, GatewayError } from '../../domain/errors.js';
import { auditTrail, noteAuditTarget } from '../../http/audit-trail.js';
import { auditNotes } from '../../http/plain-handler.js';
import type { Logger } from '../../lib/logger.js';
import type { LegacyGate } from '../legacy/legacy-routes.js';
import type { CompatCaller } from '../tenants/tenant-service.js';

export interface GateDeps {
  readonly authn: Authenticator;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
  /** The account an allow-listed caller without a credential acts as (COMPAT_ALLOW_AS); null = none (refused). */
  readonly allowedAs: () => CallerPrincipal | null;
  /** COMPAT_ALLOW entries (CIDR or addresses), checked at boot. */
  readonly allow: readonly string[];
  /** API_RATE_LIMIT: requests per minute per client. */
  readonly perMinute: number;
  readonly trustProxy: number;
  readonly logger: Logger;
}

const SECRET = /^[A-Za-z0-9\-_=.+/]{10,4096}$/;

/** What the compatibility layer needs to know of a principal: the access policy's answers for the `compat` scope. */
export function compatCaller(principal: CallerPrincipal, policy: AccessPolicy): CompatCaller {
  return {
    ownerId: principal.user.id,
    admin: policy.isAdmin(principal),
    may: (phoneNumber) => policy.allowsNumber(principal, 'compat', phoneNumber),
  };
}

/**
 * Who may call the legacy API (the legacy server had no authentication): a credential (an API key, or a user's
 * token) with the `compat` scope in `Authorization: Bearer` or in `X-Internal-Secret` (the header Flask-side
 * proxies already send), or, without any credential, a client address on COMPAT_ALLOW (loopback by default),
 * acting as COMPAT_ALLOW_AS. A credential that is given must be valid: a wrong key is a 401 even from an allowed
 * address. Every call gets its audit row (`compat.*`), reads included.
 */
export function compatGate(deps: GateDeps): LegacyGate {
  const { list: allowList } = AddressList.parse(deps.allow);
  const limit = rateLimit({
    windowMs: 60_000,
    limit: deps.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new GatewayError('RATE_LIMITED', `more than ${deps.perMinute} requests per minute; retry later`)),
  });
  const trail = auditTrail(deps.audit, deps.logger, deps.trustProxy);
  const principalOf = (req: Request): CallerPrincipal => {
    const address = req.clientIp ?? null;
    const header = req.get('authorization');
    const secret = req.get('x-internal-secret');
    if (header !== undefined) return deps.authn.authenticate(bearerToken(header), address);
    if (secret !== undefined) return deps.authn.authenticate(SECRET.test(secret.trim()) ? secret.trim() : null, address);
    const fallback = allowList.allows(address) ? deps.allowedAs() : null;
    if (!fallback) throw errors.unauthorized();
    auditNotes(req).params = { via: 'COMPAT_ALLOW' };
    return fallback;
  };
  return {
    trail,
    limit,
    caller: (req) => {
      const principal = principalOf(req);
      req.principal = principal;
      deps.policy.requireScope(principal, 'compat');
      return compatCaller(principal, deps.policy);
    },
    mark: (req: Request, res: Response, action, target) => {
      const first = req.routeMark === undefined;
      req.routeMark = { action, audited: true, ...(target.phoneNumber ? { phoneNumber: target.phoneNumber } : req.routeMark?.phoneNumber ? { phoneNumber: req.routeMark.phoneNumber } : {}) };
      if (target.tenantId) noteAuditTarget(req, { type: 'tenant', id: target.tenantId });
      // The trail watches changes itself; a read is audited too (every compat call is), once.
      if (first && (req.method === 'GET' || req.method === 'HEAD')) req.auditTrail?.watch(req, res);
    },
    noteError: (req, _res, code, denied) => {
      const notes = auditNotes(req);
      notes.errorCode = code;
      if (denied) notes.accessDenied = true;
    },
  };
}
