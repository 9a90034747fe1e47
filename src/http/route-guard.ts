import type { Request, RequestHandler } from 'express';
import type { AccessPolicy } from '../auth/policy.js';
import { scopeLevel, type GrantLevel, type Scope } from '../domain/access.js';
import { errors } from '../domain/errors.js';
import { parseNumberKey } from '../domain/number-key.js';
import { currentPrincipal } from './auth-middleware.js';

/**
 * Who may call a route; every route declares one (the registry refuses a route without it):
 * - `public`: anyone (liveness, login);
 * - `authenticated`: any signed-in user or API key;
 * - `proxy`: any signed-in caller here; the proxy checks the scope its child path needs (proxy/permissions.ts);
 * - a scope, with the grant level it needs on the number of the path (`number: 'path'`; default level: the
 *   scope's own, see domain/access.ts) or of the body (`number: 'body'`, checked by the route: a number you may
 *   not use there is a 400 on that field), and `admin: true` for administrators only.
 */
export type Permission = 'public' | 'authenticated' | 'proxy' | { readonly scope: Scope; readonly level?: GrantLevel; readonly number?: 'path' | 'body'; readonly admin?: boolean };

/** The checks the registry puts in front of each route, before its body is parsed or validated. */
export function routeGuard(policy: AccessPolicy) {
  return (spec: { method: string; path: string; tag: string; permission: Permission; audit?: string }): RequestHandler[] => {
    const action = spec.audit ?? `${spec.tag}.read`;
    const audited = spec.audit !== undefined;
    const mark: RequestHandler = (req, res, next) => {
      req.routeMark = { action, audited };
      // An audited read (fetching a QR code) gets its row when answered, like a change.
      if (audited && (req.method === 'GET' || req.method === 'HEAD')) req.auditTrail?.watch(req, res);
      next();
    };
    const { permission } = spec;
    if (permission === 'public') return [mark];
    if (permission === 'authenticated' || permission === 'proxy') {
      return [
        mark,
        (req, _res, next) => {
          currentPrincipal(req);
          next();
        },
      ];
    }
    const level = permission.level ?? scopeLevel(permission.scope);
    return [
      mark,
      (req, _res, next) => {
        const principal = currentPrincipal(req);
        // A malformed number is left to the route's validation (400); a well-formed one is named in the audit row
        // of any refusal, and checked after the scope, so a number you may not see is a 404 whatever the rest of
        // the request looks like. A pending id whose number took its phone names that phone, for the route as
        // for its audit row.
        const given = permission.number === 'path' ? pathNumber(req) : null;
        const phone = given ? policy.currentKey(given) : null;
        if (given && phone) {
          if (phone !== given) req.params['phone'] = phone;
          req.routeMark = { action, audited, phoneNumber: phone };
        }
        policy.requireScope(principal, permission.scope);
        if (permission.admin && !policy.isAdmin(principal)) throw errors.forbidden('this route is for administrators');
        if (phone) req.device = policy.require(principal, permission.scope, phone, level);
        next();
      },
    ];
  };
}

export type RouteGuard = ReturnType<typeof routeGuard>;

function pathNumber(req: Request): string | null {
  const raw = req.params['phone'];
  return typeof raw === 'string' ? parseNumberKey(raw) : null;
}

/** The permission as the OpenAPI document shows it (`x-permission`). */
export function describePermission(permission: Permission): Record<string, unknown> {
  if (typeof permission === 'string') return { kind: permission };
  return {
    kind: 'scope',
    scope: permission.scope,
    ...(permission.number ? { level: permission.level ?? scopeLevel(permission.scope), number: permission.number } : {}),
    ...(permission.admin ? { admin: true } : {}),
  };
}
