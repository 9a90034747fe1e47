import crypto from 'node:crypto';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { CallerPrincipal } from '../../auth/principal.js';
import { GatewayError } from '../../domain/errors.js';
import type { NumberFilter } from '../../domain/phone.js';
import type { ApiRegistry } from '../api-registry.js';
import { errorSchema } from '../schemas.js';

export interface MetricsAccess {
  /** When set, scrapers may send `Authorization: Bearer <token>`. */
  readonly token: string | null;
  /** Client IPs allowed without a token (default: loopback only). */
  readonly allow: readonly string[];
  /** The principal behind a JWT or API key; throws UNAUTHORIZED for a bad one. */
  readonly principalOf: (token: string, address: string | null) => CallerPrincipal;
  /** Whether it sees every number (administrators), and otherwise which numbers of a list it may read. */
  readonly seesAll: (principal: CallerPrincipal) => boolean;
  readonly visibleTo: (principal: CallerPrincipal) => NumberFilter;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/**
 * Prometheus exposition at `/metrics`. Scrapers (METRICS_TOKEN, or an allowed address without a token) and
 * administrators' tokens and keys get everything; a user's token or key gets only the per-number series of the numbers
 * it may see, whatever address it calls from.
 */
export function metricsRoutes(api: ApiRegistry, registry: Registry, access: MetricsAccess): Router {
  document(api);
  const router = Router();
  router.get('/metrics', async (req, res, next) => {
    try {
      const header = req.headers.authorization ?? '';
      const bearer = header.startsWith('Bearer ') ? header.slice(7) : null;
      const scraper = access.token !== null && bearer !== null && sameSecret(bearer, access.token);
      let visible: NumberFilter | null = null;
      if (!scraper && bearer !== null) {
        const principal = access.principalOf(bearer, req.ip ?? null);
        if (!access.seesAll(principal)) visible = access.visibleTo(principal);
      } else if (!scraper && !access.allow.includes((req.ip ?? '').replace(/^::ffff:/, ''))) {
        throw new GatewayError('UNAUTHORIZED', 'metrics need the METRICS_TOKEN bearer token, an API token or an allowed address');
      }
      const text = await registry.metrics();
      res.setHeader('Content-Type', registry.contentType);
      res.end(visible ? onlyNumbers(text, visible) : text);
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** The exposition limited to samples labelled with a visible `phone` (gateway-wide series are operators' business). */
export function onlyNumbers(exposition: string, visible: NumberFilter): string {
  const out: string[] = [];
  let comments: string[] = [];
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) {
      if (line.startsWith('# HELP')) comments = [];
      comments.push(line);
      continue;
    }
    const phone = /[{,]phone="([^"]*)"/.exec(line)?.[1];
    if (phone === undefined || visible([phone]).length === 0) continue;
    out.push(...comments, line);
    comments = [];
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

/** Listed in the OpenAPI document (the route itself is mounted before the API's token check). */
function document(api: ApiRegistry): void {
  api.route(
    Router(),
    {
      method: 'get',
      path: '/metrics',
      summary: "Prometheus metrics: everything for METRICS_TOKEN, METRICS_ALLOW addresses and admins' tokens; a user's token gets only its numbers' series",
      tag: 'health',
      // Its own access rules (above), checked by the route itself: an allowed address needs no token.
      permission: 'public',
      responses: { 200: { description: 'Prometheus text exposition' }, 401: { description: 'No METRICS_TOKEN, API token or allowed address', schema: errorSchema } },
    },
    () => undefined,
  );
}
