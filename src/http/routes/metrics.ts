import crypto from 'node:crypto';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { GatewayError } from '../../domain/errors.js';

export interface MetricsAccess {
  /** When set, scrapers must send `Authorization: Bearer <token>`. */
  readonly token: string | null;
  /** Client IPs allowed without a token (default: loopback only). */
  readonly allow: readonly string[];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Prometheus exposition at `/metrics`, guarded by its own token or an IP allow-list (scrapers have no JWT). */
export function metricsRoutes(registry: Registry, access: MetricsAccess): Router {
  const router = Router();
  router.get('/metrics', async (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const byToken = access.token !== null && header.startsWith('Bearer ') && sameSecret(header.slice(7), access.token);
    const ip = (req.ip ?? '').replace(/^::ffff:/, '');
    if (!byToken && !access.allow.includes(ip)) {
      next(new GatewayError('UNAUTHORIZED', 'metrics need the METRICS_TOKEN bearer token or an allowed address'));
      return;
    }
    res.setHeader('Content-Type', registry.contentType);
    res.end(await registry.metrics());
  });
  return router;
}
