import type { Request, RequestHandler, Response } from 'express';
import { GatewayError } from '../domain/errors.js';

/** The refresh cookie of a dashboard session: httpOnly, SameSite=Strict, sent only to the auth routes. */
export const REFRESH_COOKIE = 'wmp_refresh';
/** Every request that the refresh cookie authenticates must carry this header (a cross-site form or image cannot). */
export const CSRF_HEADER = 'x-dashboard-request';

export interface CookieSettings {
  /** `Path` of the cookie: the auth routes as the browser sees them (PUBLIC_PATH_PREFIX + /api/auth). */
  readonly path: string;
  readonly maxAgeMs: number;
}

export function readCookie(req: Request, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : null;
    }
  }
  return null;
}

export function setRefreshCookie(req: Request, res: Response, settings: CookieSettings, token: string): void {
  res.append('Set-Cookie', cookie(req, settings, token, Math.floor(settings.maxAgeMs / 1000)));
}

export function clearRefreshCookie(req: Request, res: Response, settings: CookieSettings): void {
  res.append('Set-Cookie', cookie(req, settings, '', 0));
}

function cookie(req: Request, settings: CookieSettings, value: string, maxAgeSeconds: number): string {
  // Secure whenever the browser speaks https (directly, or to a TRUST_PROXY proxy that says so).
  const secure = req.secure ? '; Secure' : '';
  return `${REFRESH_COOKIE}=${value}; Path=${settings.path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

/**
 * CSRF guard for the routes a cookie authenticates: SameSite=Strict already keeps the cookie off cross-site
 * requests; on top, a custom header (which only same-origin scripts can add without a CORS preflight that we never
 * grant with credentials) and, when the browser names them, a same-origin Origin and Sec-Fetch-Site.
 */
export const sameOriginOnly: RequestHandler = (req, _res, next) => {
  if (req.get(CSRF_HEADER) !== '1') {
    next(new GatewayError('FORBIDDEN', `the ${CSRF_HEADER}: 1 header is required on this route`));
    return;
  }
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    next(new GatewayError('FORBIDDEN', 'cross-site request refused'));
    return;
  }
  const origin = req.get('origin');
  if (origin !== undefined && origin !== `${req.protocol}://${req.get('host') ?? ''}`) {
    next(new GatewayError('FORBIDDEN', 'cross-origin request refused'));
    return;
  }
  next();
};
