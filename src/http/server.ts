import cors from 'cors';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import swaggerUi from 'swagger-ui-express';
import { GatewayError } from '../domain/errors.js';
import type { AccountService } from '../auth/accounts.js';
import type { TokenService } from '../auth/tokens.js';
import type { Logger } from '../lib/logger.js';
import type { ApiRegistry } from './api-registry.js';
import { requireAuth } from './auth-middleware.js';
import { errorHandler, notFound } from './error-handler.js';

export interface HttpOptions {
  readonly api: ApiRegistry;
  readonly accounts: AccountService;
  readonly tokens: TokenService;
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
  /** The proxy's routes (under /proxy): a token is needed, bodies stream untouched; mounted before everything else. */
  readonly rawRoutes: Router[];
  /** Routes outside /api with their own authentication and rate limit (the compat layer's legacy API). */
  readonly rootRoutes?: Router[];
  /** Loopback-only routes for the children (webhook receiver); no token, no rate limit. */
  readonly internalRoutes: Router[];
  /** Runs first on every request (response-time metrics). */
  readonly timing: RequestHandler;
}

export const JSON_BODY_LIMIT = '1mb';
/** Answer headers a browser script on an allowed origin may read. */
const EXPOSED_HEADERS = ['Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'Idempotent-Replayed'];

export function createHttpApp(options: HttpOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);
  app.use(options.timing);

  const limiter = rateLimit({
    windowMs: 60_000,
    limit: options.rateLimitPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new GatewayError('RATE_LIMITED', `more than ${options.rateLimitPerMinute} requests per minute; retry later`)),
  });
  const auth = requireAuth(options.tokens, options.accounts);
  // Preflights are answered before the token check (a browser sends none with them); the token is a header, never
  // a cookie, so allowed origins get no credentials mode.
  if (options.corsOrigins.length > 0) {
    app.use(['/api', '/proxy'], cors({ origin: [...options.corsOrigins], maxAge: 600, exposedHeaders: EXPOSED_HEADERS }));
  }
  app.use(['/api', '/proxy', '/global-status'], limiter);
  // The proxy is the hot path of direct integrations: it goes first, so its calls do not walk every other route.
  app.use('/proxy', auth);
  for (const router of options.rawRoutes) app.use(router);

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

  app.use(['/api', '/proxy'], notFound);
  app.use(errorHandler(options.logger));
  return app;
}
