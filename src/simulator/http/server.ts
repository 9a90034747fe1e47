/**
 * The request pipeline, in the binary's middleware order (docs/binary-contract.md §5): CORS → `{base}/statics` →
 * `/health` → basic auth → routes that are not device-scoped (`/devices…`, `/app/info`, process-wide `/_sim/…`) →
 * device middleware (for every remaining path, matched or not) → device-scoped routes → 404 / 405. WebSocket
 * upgrades go through the same pipeline with a response bound to the raw socket.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SimConfig } from '../config/config.js';
import type { DeviceManager } from '../core/devices.js';
import type { ProcessControl } from '../core/process-control.js';
import { checkBasicAuth, UNAUTHORIZED_HEADERS, wsQueryAuthorization } from './basic-auth.js';
import { BodyTooLarge } from './body.js';
import { Ctx } from './context.js';
import { applyCors } from './cors.js';
import { sendError, sendText } from './respond.js';
import { safeDecode, type Router } from './router.js';
import { serveStatic } from './statics.js';

export interface PipelineDeps {
  readonly config: SimConfig;
  readonly control: ProcessControl;
  readonly devices: DeviceManager;
  /** Routes before the device middleware. */
  readonly open: Router;
  /** Device-scoped routes. */
  readonly scoped: Router;
  readonly staticsDir: string;
  /** Fiber's request logger (APP_DEBUG). */
  readonly requestLog?: (ctx: Ctx, startedAt: number) => void;
}

export interface RequestHandlers {
  onRequest(req: IncomingMessage, res: ServerResponse): void;
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export function createHandlers(deps: PipelineDeps): RequestHandlers {
  const start = (req: IncomingMessage, res: ServerResponse, upgrade?: { socket: Duplex; head: Buffer }): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const ctx = new Ctx(req, res, url.pathname, url.searchParams, upgrade);
    const startedAt = Date.now();
    if (deps.requestLog) res.on('finish', () => deps.requestLog?.(ctx, startedAt));
    run(deps, ctx).catch((err: unknown) => fail(ctx, err));
  };
  return {
    onRequest(req, res) {
      // A hung process accepts connections and reads requests but never answers (see /_sim/hang).
      if (deps.control.hung) return;
      start(req, res);
    },
    onUpgrade(req, socket, head) {
      if (deps.control.hung) return;
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket as Socket);
      res.on('finish', () => socket.end());
      start(req, res, { socket, head });
    },
  };
}

async function run(deps: PipelineDeps, ctx: Ctx): Promise<void> {
  const { config } = deps;
  if (applyCors(ctx, config.corsOrigins)) return;
  if (ctx.path === '/health' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
    sendText(ctx.res, 200, 'OK');
    return;
  }
  const path = stripBase(ctx.path, config.basePath);
  if (path?.startsWith('/statics/') && serveStatic(deps.staticsDir, path.slice('/statics/'.length), ctx.method, ctx.res)) return;
  if (config.basicAuth.length > 0) {
    const header = ctx.header('authorization') || (ctx.upgrade ? wsQueryAuthorization(ctx.query) : '');
    const outcome = checkBasicAuth(config.basicAuth, header);
    if (outcome === 'unauthorized') return sendText(ctx.res, 401, 'Unauthorized', UNAUTHORIZED_HEADERS);
    if (outcome === 'bad-request') return sendText(ctx.res, 400, 'Bad Request');
  }
  if (path === undefined) return sendText(ctx.res, 404, 'Not Found');
  const open = deps.open.match(ctx.method, path);
  if (open && open !== 'method-not-allowed') {
    ctx.params = open.params;
    return open.handler(ctx);
  }
  // Device middleware: applies to every path registered after it, and to unmatched paths too.
  ctx.slot = deps.devices.resolve(safeDecode(ctx.header('x-device-id')).trim() || (ctx.query.get('device_id') ?? ''));
  const scoped = deps.scoped.match(ctx.method, path);
  if (scoped && scoped !== 'method-not-allowed') {
    ctx.params = scoped.params;
    return scoped.handler(ctx);
  }
  if (open === 'method-not-allowed' || scoped === 'method-not-allowed') return sendText(ctx.res, 405, 'Method Not Allowed');
  sendText(ctx.res, 404, 'Not Found');
}

/** The path below APP_BASE_PATH, or undefined when the request is outside it. */
function stripBase(path: string, base: string): string | undefined {
  if (base === '') return path;
  if (path === base) return '/';
  return path.startsWith(`${base}/`) ? path.slice(base.length) : undefined;
}

function fail(ctx: Ctx, err: unknown): void {
  if (ctx.res.headersSent) {
    ctx.res.destroy();
    return;
  }
  if (err instanceof BodyTooLarge) {
    sendText(ctx.res, 413, 'Request Entity Too Large', { Connection: 'close' });
    return;
  }
  sendError(ctx.res, err);
}
