import type { RequestListener, ServerResponse } from 'node:http';
import cors from 'cors';
import express, { type Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { AuditLog } from '../audit/audit-log.js';
import type { Authenticator } from '../auth/authenticate.js';
import type { Logger } from '../lib/logger.js';
import type { ApiRegistry } from './api-registry.js';
import { auditTrail } from './audit-trail.js';
import { requireAuth } from './auth-middleware.js';
import { errorHandler, notFound } from './error-handler.js';
import type { PlainErrorHandler, PlainHandler, PlainRequest } from './plain-handler.js';
import { RateLimiter } from './rate-limit.js';
import { INTERNAL_WEBHOOK_MOUNT } from './routes/internal-webhooks.js';

export interface HttpOptions {
  readonly api: ApiRegistry;
  readonly authn: Authenticator;
  readonly audit: AuditLog;
  readonly logger: Logger;
  readonly rateLimitPerMinute: number;
  readonly trustProxy: number;
  /** Browser origins allowed to call /api and /proxy (CORS); empty = same origin only. */
  readonly corsOrigins: readonly string[];
  readonly version: string;
  /** Routes anyone may call (liveness, login); mounted before the token check. */
  readonly publicRoutes: Router[];
  /** Routes that need a token and read JSON bodies. */
  readonly apiRoutes: Router[];
  /**
   * `/proxy/whatsapp{/*}`: a token is needed, bodies stream untouched. It runs on a lean chain outside Express's
   * router (the hot path of direct integrations), with the same metrics, CORS, rate limit, token check and error
   * handler as /api.
   */
  readonly proxy: PlainHandler;
  /**
   * `/internal/webhooks/*`: the children's webhook receiver (loopback only, no token, no rate limit), on a lean
   * chain like the proxy: with a call per event of every number, Express's router was much of its cost.
   */
  readonly internalWebhook: PlainHandler;
  /** Routes outside /api with their own authentication (the compat layer's legacy API); after the /api routes. */
  readonly rootRoutes?: Router[];
  /** Other loopback-only routes (metrics); no token, no rate limit. */
  readonly internalRoutes: Router[];
  /** Browser pages (the dashboard): no token, no rate limit, their own security headers. */
  readonly pageRoutes?: Router[];
  /** Runs first on every request (response-time metrics). */
  readonly timing: PlainHandler;
  /**
   * Distributed mode: a call about a number owned by another node goes to that node (DM-20), after this node's
   * audit trail and rate limit, before its token check (the owner checks the caller's credentials itself).
   */
  readonly route?: PlainHandler;
}

export const JSON_BODY_LIMIT = '1mb';
/** Answer headers a browser script on an allowed origin may read. */
const EXPOSED_HEADERS = ['Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'Idempotent-Replayed', 'X-Request-Id'];

/** `/proxy` and everything under it (Express mounts match whole segments, without regard to case). */
const PROXY_MOUNT = /^\/proxy(?:[/?]|$)/i;
const PROXY_ROUTE = /^\/proxy\/whatsapp(?:[/?]|$)/i;

export interface GatewayHttp {
  /** The server's request listener: `/proxy/*` and the children's webhooks on lean chains, the rest through Express. */
  readonly listener: RequestListener;
  close(): void;
}

/**
 * The HTTP front: the Express app for /api, the docs and the internal routes, and beside it the lean chains that
 * serve /proxy and the children's webhooks without Express's router or request helpers (setting Express's
 * prototypes on a request alone doubled what a proxied call cost). Both use the same middleware instances: one timing, one CORS rule, one
 * rate-limit count per client, one token check, one error handler.
 */
export function createHttpApp(options: HttpOptions): GatewayHttp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);

  const limiter = new RateLimiter({ windowMs: 60_000, limit: options.rateLimitPerMinute, trustHops: options.trustProxy });
  const auth = requireAuth(options.authn, options.trustProxy);
  // Preflights are answered before the token check (a browser sends none with them); the token is a header, never
  // a cookie, so allowed origins get no credentials mode.
  const corsCheck: PlainHandler | null = options.corsOrigins.length > 0 ? cors({ origin: [...options.corsOrigins], maxAge: 600, exposedHeaders: EXPOSED_HEADERS }) : null;
  const errors = errorHandler(options.logger);
  // Before the rate limit and the token check, so every state-changing call and every refusal gets its row.
  const trail = auditTrail(options.audit, options.logger, options.trustProxy);

  app.use(options.timing);
  if (corsCheck) app.use('/api', corsCheck);
  // Chatwoot's webhooks (/webhooks/chatwoot/…, /webhook/comando) are public but signed: refusals get their rows too.
  app.use(['/api', '/global-status', '/webhooks/chatwoot', '/webhook/comando'], trail);
  app.use(['/api', '/global-status'], limiter.middleware);
  // Unmounted: the forwarded call keeps its whole path.
  if (options.route) app.use(options.route);
  for (const router of options.internalRoutes) app.use(router);

  app.get('/api-docs/openapi.json', (_req, res) => {
    res.json(options.api.document({ title: 'WhatsApp Multi-Platform API', version: options.version, description: 'One authenticated API for many WhatsApp numbers.' }));
  });
  app.use('/api-docs', swaggerUi.serve, swaggerUi.setup(undefined, { swaggerOptions: { url: '/api-docs/openapi.json' } }));

  // Public JSON routes parse their own small bodies before the token check.
  app.use('/api/auth', express.json({ limit: '16kb' }));
  for (const router of options.publicRoutes) app.use(router);

  // GET /global-status (the seed product's summary) lives outside /api but is as protected.
  app.use(['/api', '/global-status'], auth);
  app.use('/api', express.json({ limit: JSON_BODY_LIMIT }));
  for (const router of options.apiRoutes) app.use(router);

  for (const router of options.rootRoutes ?? []) app.use(router);

  app.use('/api', notFound);
  for (const router of options.pageRoutes ?? []) app.use(router);
  app.use(errors);

  const proxyRoute: PlainHandler = (req, res, next) => (PROXY_ROUTE.test(req.url ?? '') ? options.proxy(req, res, next) : notFound(req, res, next));
  const proxyChain = chain([options.timing, ...(corsCheck ? [corsCheck] : []), trail, limiter.middleware, ...(options.route ? [options.route] : []), auth, proxyRoute], errors);
  const webhookChain = chain([options.timing, options.internalWebhook], errors);
  return {
    listener: (req, res) => {
      const url = req.url ?? '';
      if (PROXY_MOUNT.test(url)) proxyChain(req, res);
      else if (INTERNAL_WEBHOOK_MOUNT.test(url)) webhookChain(req, res);
      else app(req, res);
    },
    close: () => limiter.close(),
  };
}

/**
 * Middleware in a fixed order, outside Express: each handler in turn; an error (thrown, rejected or passed to
 * `next`) goes to the error handler, and one that comes after the answer started closes the connection, as
 * Express does.
 */
function chain(stack: readonly PlainHandler[], onError: PlainErrorHandler): (req: PlainRequest, res: ServerResponse) => void {
  return (req, res) => {
    let index = 0;
    const fail = (err: unknown): void => {
      if (res.headersSent) req.socket.destroy();
      else onError(err, req, res, fail);
    };
    const next = (err?: unknown): void => {
      if (err !== undefined && err !== null) {
        fail(err);
        return;
      }
      const handler = stack[index++];
      if (!handler) return;
      try {
        const result = handler(req, res, next);
        if (result instanceof Promise) result.catch(next);
      } catch (thrown) {
        next(thrown);
      }
    };
    next();
  };
}
