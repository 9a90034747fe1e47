import type { Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import ipaddr from 'ipaddr.js';
import { GatewayError, errors } from '../../domain/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { LegacyGate } from '../legacy/legacy-routes.js';
import type { CompatCaller } from '../tenants/tenant-service.js';

export interface GateDeps {
  /** The caller a credential names (a JWT or an API key with the compat scope); throws UNAUTHORIZED / FORBIDDEN. */
  readonly fromCredential: (credential: string, address: string | null) => CompatCaller;
  /** Who an allow-listed address without a credential acts as (COMPAT_ALLOW_AS); null = nobody (refused). */
  readonly fromAddress: () => CompatCaller | null;
  /** COMPAT_ALLOW entries (CIDR or addresses). */
  readonly allow: readonly string[];
  /** API_RATE_LIMIT: requests per minute per client. */
  readonly perMinute: number;
  readonly logger: Logger;
}

const BEARER = /^Bearer ([A-Za-z0-9\-_=.+/]{10,4096})$/;
const SECRET = /^[A-Za-z0-9\-_=.+/]{10,4096}$/;

/**
 * Who may call the legacy API (the legacy server had no authentication): a credential with the `compat` scope
 * in `Authorization: Bearer` or in `X-Internal-Secret` (the header Flask-side proxies already send), or, without
 * any credential, a client address on COMPAT_ALLOW (loopback by default), acting as COMPAT_ALLOW_AS. A credential
 * that is given must be valid: a wrong key is a 401 even from an allowed address.
 */
export function compatGate(deps: GateDeps): LegacyGate {
  const ranges = deps.allow.map((entry) => (entry.includes('/') ? ipaddr.parseCIDR(entry) : single(entry)));
  const allowed = (address: string | null): boolean => {
    if (!address || !ipaddr.isValid(address)) return false;
    const ip = ipaddr.process(address);
    return ranges.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits));
  };
  const limit = rateLimit({
    windowMs: 60_000,
    limit: deps.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new GatewayError('RATE_LIMITED', `more than ${deps.perMinute} requests per minute; retry later`)),
  });
  return {
    limit,
    trail: (req, res, next) => {
      res.once('finish', () => {
        const mark = res.locals['compatAudit'] as { action?: string; tenantId?: string; phoneNumber?: string; code?: string; denied?: boolean } | undefined;
        deps.logger.info({ action: mark?.action ?? 'compat.request', tenantId: mark?.tenantId, phoneNumber: mark?.phoneNumber, status: res.statusCode, code: mark?.code, denied: mark?.denied, ip: req.ip }, 'compat call');
      });
      next();
    },
    caller: (req) => {
      const address = req.ip ?? null;
      const header = req.get('authorization');
      const secret = req.get('x-internal-secret');
      if (header !== undefined) {
        const match = BEARER.exec(header.trim());
        if (!match?.[1]) throw errors.unauthorized();
        return deps.fromCredential(match[1], address);
      }
      if (secret !== undefined) {
        if (!SECRET.test(secret.trim())) throw errors.unauthorized();
        return deps.fromCredential(secret.trim(), address);
      }
      const fallback = allowed(address) ? deps.fromAddress() : null;
      if (!fallback) throw errors.unauthorized();
      return fallback;
    },
    mark: (_req: Request, res: Response, action, target) => {
      res.locals['compatAudit'] = { ...(res.locals['compatAudit'] as object | undefined), action, ...target };
    },
    noteError: (_req, res, code, denied) => {
      res.locals['compatAudit'] = { ...(res.locals['compatAudit'] as object | undefined), code, denied };
    },
  };
}

function single(address: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const ip = ipaddr.parse(address);
  return [ip, ip.kind() === 'ipv4' ? 32 : 128];
}

