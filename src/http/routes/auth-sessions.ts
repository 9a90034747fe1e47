import { Router, type Request, type Response } from 'express';
import { slowDown } from 'express-slow-down';
import { z } from 'zod';
import type { AccountService } from '../../auth/accounts.js';
import type { SessionService } from '../../auth/sessions.js';
import type { Account } from '../../auth/accounts.js';
import type { TokenService } from '../../auth/tokens.js';
import { ROLES } from '../../domain/access.js';
import { GatewayError } from '../../domain/errors.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentUser } from '../auth-middleware.js';
import { errorSchema } from '../schemas.js';
import { clearRefreshCookie, readCookie, REFRESH_COOKIE, sameOriginOnly, setRefreshCookie, type CookieSettings } from '../session-cookie.js';

export interface SessionRouteDeps {
  readonly accounts: AccountService;
  readonly tokens: TokenService;
  readonly sessions: SessionService;
  readonly cookie: CookieSettings;
  /** Lifetime of a session's access token (AUTH_ACCESS_TTL). */
  readonly accessTtl: string;
}

const credentials = z.strictObject({
  username: z.string({ error: 'is required' }).min(1, 'must not be empty').max(64),
  password: z.string({ error: 'is required' }).min(1, 'must not be empty').max(256),
});
const userSchema = z.object({ id: z.number(), username: z.string(), role: z.enum(ROLES) });
const signedIn = z.object({ token: z.string(), expiresIn: z.number(), tokenType: z.literal('Bearer'), user: userSchema });
const csrf = { 403: { description: 'Missing X-Dashboard-Request header, or a cross-site request', schema: errorSchema } };

/**
 * Browser sign-in (the dashboard): a short-lived access token in the answer, kept in the page's memory only, and
 * a refresh cookie that only these routes receive. Scheme and threat model: docs/security.md.
 */
export function sessionRoutes(api: ApiRegistry, deps: SessionRouteDeps): Router {
  const router = Router();
  const { accounts, tokens, sessions, cookie } = deps;
  const throttle = slowDown({ windowMs: 15 * 60_000, delayAfter: 3, delayMs: (hits) => Math.min(10_000, (hits - 3) * 500), skipSuccessfulRequests: true, validate: { delayMs: false } });

  const answer = (res: Response, user: Account, sessionId: string) => {
    const issued = tokens.issue(user, { sessionId, expiresIn: deps.accessTtl });
    res.set('Cache-Control', 'no-store').json({ ...issued, tokenType: 'Bearer', user: { id: user.id, username: user.username, role: user.role } });
  };
  const refusing = (req: Request, res: Response, err: unknown): never => {
    clearRefreshCookie(req, res, cookie);
    throw err;
  };

  api.route(
    router,
    {
      method: 'post',
      path: '/api/auth/session',
      summary: 'Dashboard sign-in: access token in the body, refresh cookie (httpOnly, SameSite=Strict) for /api/auth/refresh',
      tag: 'auth',
      permission: 'public',
      audit: 'auth.session_start',
      body: credentials,
      responses: { 200: { description: 'Signed in', schema: signedIn }, 400: { description: 'Invalid body', schema: errorSchema }, 401: { description: 'Wrong credentials', schema: errorSchema }, ...csrf },
    },
    async ({ body }, req, res) => {
      const user = await accounts.authenticate(body.username, body.password, req.ip ?? null);
      const { session, refreshToken } = await sessions.start(user.id, { userAgent: req.get('user-agent') ?? null, ip: req.ip ?? null });
      setRefreshCookie(req, res, cookie, refreshToken);
      answer(res, user, session.id);
    },
    sameOriginOnly,
    throttle,
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/auth/refresh',
      summary: 'New access token from the refresh cookie; the cookie is rotated (a reused one ends the session)',
      tag: 'auth',
      permission: 'public',
      audit: 'auth.refresh',
      responses: { 200: { description: 'Refreshed', schema: signedIn }, 401: { description: 'No session, or it ended or expired', schema: errorSchema }, ...csrf },
    },
    async (_input, req, res) => {
      const token = readCookie(req, REFRESH_COOKIE);
      if (!token) refusing(req, res, new GatewayError('UNAUTHORIZED', 'not signed in', { reason: 'unknown' }));
      let outcome: Awaited<ReturnType<SessionService['refresh']>>;
      try {
        outcome = await sessions.refresh(token as string);
      } catch (err) {
        return refusing(req, res, err);
      }
      const user = accounts.account(outcome.session.userId);
      if (!user || user.disabled) return refusing(req, res, new GatewayError('UNAUTHORIZED', 'the account no longer exists or is disabled'));
      if (outcome.kind === 'rotated') setRefreshCookie(req, res, cookie, outcome.refreshToken);
      answer(res, user, outcome.session.id);
    },
    sameOriginOnly,
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/auth/logout',
      summary: 'Sign out this session (the refresh cookie, or the session of the bearer token); its tokens stop working',
      tag: 'auth',
      permission: 'public',
      audit: 'auth.logout',
      responses: { 204: { description: 'Signed out (also when there was nothing to end)' }, ...csrf },
    },
    async (_input, req, res) => {
      const token = readCookie(req, REFRESH_COOKIE);
      const session = token ? await sessions.sessionOf(token) : null;
      if (session) await sessions.end(session.id, 'signed out');
      const bearerSession = bearerSessionId(req, tokens);
      if (bearerSession) await sessions.end(bearerSession, 'signed out');
      clearRefreshCookie(req, res, cookie);
      res.status(204).end();
    },
    sameOriginOnly,
  );
  return router;
}

/** Needs a token: ends every session of the caller, on every browser. */
export function logoutAllRoutes(api: ApiRegistry, deps: Pick<SessionRouteDeps, 'sessions' | 'cookie'>): Router {
  const router = Router();
  api.route(
    router,
    {
      method: 'post',
      path: '/api/auth/logout-all',
      summary: 'Sign out everywhere: every dashboard session and token of the caller ends, with its live sockets',
      tag: 'auth',
      permission: { scope: 'account' },
      audit: 'auth.logout_all',
      responses: { 200: { description: 'Sessions ended', schema: z.object({ ended: z.number() }) } },
    },
    async (_input, req, res) => {
      const ended = await deps.sessions.endAll(currentUser(req).id, 'signed out everywhere');
      clearRefreshCookie(req, res, deps.cookie);
      res.json({ ended });
    },
  );
  return router;
}

function bearerSessionId(req: Request, tokens: TokenService): string | null {
  const header = req.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
  if (!token) return null;
  try {
    return tokens.verify(token).sessionId ?? null;
  } catch {
    return null;
  }
}
