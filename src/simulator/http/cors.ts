/** Fiber's CORS middleware with the binary's defaults: any origin unless APP_CORS_ALLOWED_ORIGINS is set. */
import type { Ctx } from './context.js';

const METHODS = 'GET,POST,HEAD,PUT,DELETE,PATCH';

/** Adds the CORS headers; returns true when it answered a preflight request itself. */
export function applyCors(ctx: Ctx, origins: readonly string[]): boolean {
  const origin = ctx.header('origin');
  if (origin === '') return false;
  const any = origins.length === 0 || origins.includes('*');
  const allowed = any ? '*' : origins.includes(origin) ? origin : '';
  if (allowed === '') return false;
  ctx.res.setHeader('Access-Control-Allow-Origin', allowed);
  if (!any) ctx.res.setHeader('Vary', 'Origin');
  if (ctx.method !== 'OPTIONS' || ctx.header('access-control-request-method') === '') return false;
  ctx.res.setHeader('Access-Control-Allow-Methods', METHODS);
  const requested = ctx.header('access-control-request-headers');
  if (requested !== '') ctx.res.setHeader('Access-Control-Allow-Headers', requested);
  ctx.res.writeHead(204);
  ctx.res.end();
  return true;
}
