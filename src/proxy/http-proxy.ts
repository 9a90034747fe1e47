import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { createProxyMiddleware, responseInterceptor, type Options } from 'http-proxy-middleware';
import { z } from 'zod';
import { GatewayError } from '../domain/errors.js';
import type { ApiRegistry } from '../http/api-registry.js';
import { errorBody, statusFor } from '../http/error-handler.js';
import { currentUser } from '../http/auth-middleware.js';
import { errorSchema, phoneNumber } from '../http/schemas.js';
import type { Logger } from '../lib/logger.js';
import type { Outbox } from '../messaging/outbox.js';
import type { ProxiedSend } from '../messaging/status-journal.js';
import { rewriteQrLink } from './qr-link.js';
import { contentOf, recipientOf, SendCapture } from './send-capture.js';
import { isLoginPath, isManagedPath, isSendPath, PROXY_PREFIX, routeKey, type ProxyTarget, type ProxyTargets } from './targets.js';

/** Longer than the binary's own 45 s request timeout, so its answer (even a 504) gets through. */
const PROXY_TIMEOUT_MS = 60_000;

/** Caller headers the child must never see: the gateway's token, cookies, and the gateway's own routing header. */
const STRIPPED = ['authorization', 'cookie', 'x-phone-number', 'x-device-id', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'];

export interface ProxyDeps {
  readonly api: ApiRegistry;
  readonly targets: ProxyTargets;
  readonly outbox: Outbox;
  readonly logger: Logger;
  /** A proxied `/send/*` the child accepted (2xx with a message id): the gateway records what it sent. */
  readonly onSent?: (send: ProxiedSend) => void;
}

/**
 * The proxy streams, so it cannot go through the registry's body validation; its routes are still listed in the
 * OpenAPI document (registered on a router that is never mounted).
 */
function documentProxy(api: ApiRegistry): void {
  const docsOnly = Router();
  const params = z.object({ phone: phoneNumber, path: z.string().meta({ description: "Path on the number's binary, e.g. send/message" }) });
  const responses = {
    200: { description: "The child's answer, status and envelope unchanged" },
    400: { description: 'No number chosen (use the path form or X-Phone-Number)', schema: errorSchema },
    403: { description: "The child's /devices writes are managed by the gateway", schema: errorSchema },
    404: { description: 'Unknown number (or not yours)', schema: errorSchema },
    429: { description: 'The number is paused by a timelock (QUEUE_PAUSED, Retry-After)', schema: errorSchema },
    503: { description: "The number's process is not running (with its state)", schema: errorSchema },
  };
  for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
    api.route(
      docsOnly,
      {
        method,
        path: `${PROXY_PREFIX}/:phone/*splat`,
        summary: "Forwarded to the number's own binary API (credentials added by the gateway); also /proxy/whatsapp/<path> with X-Phone-Number, and WebSocket …/{phone}/ws",
        tag: 'proxy',
        params,
        responses,
      },
      () => undefined,
    );
  }
}

/** Shared by the HTTP and WebSocket proxies: route each request to the target resolved for it beforehand. */
export function proxyOptions(resolved: WeakMap<IncomingMessage, ProxyTarget>, logger: Logger, captures?: WeakMap<IncomingMessage, SendCapture>): Options {
  const target = (req: IncomingMessage): ProxyTarget => {
    const found = resolved.get(req);
    if (!found) throw new GatewayError('INTERNAL', 'proxy target not resolved');
    return found;
  };
  const prepare = (proxyReq: ClientRequest, req: IncomingMessage): void => {
    const t = target(req);
    for (const header of STRIPPED) proxyReq.removeHeader(header);
    proxyReq.setHeader('authorization', t.authorization);
    // The gateway's slot on each child (docs/binary-contract.md §6): named after the number, or its pending id.
    proxyReq.setHeader('x-device-id', t.deviceId);
    captures?.get(req)?.tap(proxyReq);
  };
  return {
    target: 'http://127.0.0.1',
    router: (req) => `http://127.0.0.1:${target(req).port}`,
    pathRewrite: (_path, req) => target(req).childPath,
    changeOrigin: true,
    xfwd: false,
    proxyTimeout: PROXY_TIMEOUT_MS,
    on: {
      proxyReq: prepare,
      proxyReqWs: prepare,
      error: (err, req, res) => {
        logger.warn({ err: err.message, phoneNumber: resolved.get(req)?.phoneNumber }, 'proxy: child did not answer');
        if ('writeHead' in res) {
          const response = res as ServerResponse;
          if (!response.headersSent) {
            // No `next` here (http-proxy's own callback): the same table and body as the error handler.
            const error = new GatewayError('CHILD_UNREACHABLE', 'the number\'s process did not answer');
            response.writeHead(statusFor(error.code), { 'content-type': 'application/json; charset=utf-8' });
            response.end(JSON.stringify(errorBody(error)));
          } else response.destroy();
        } else (res as Socket).destroy();
      },
    },
  };
}

/**
 * `/proxy/whatsapp/*` → the number's own binary API with the child's credentials. Bodies stream both ways
 * (mounted before any body parser); statuses and envelopes pass unchanged, except `qr_link` in login answers,
 * which is pointed at the gateway. `/send/*` calls wait their turn in the number's send queue.
 */
export function proxyRoutes(deps: ProxyDeps): Router {
  documentProxy(deps.api);
  const router = Router();
  const resolved = new WeakMap<IncomingMessage, ProxyTarget>();
  const captures = new WeakMap<IncomingMessage, SendCapture>();
  // Without an agent, http-proxy opens a connection per request and sends `Connection: close`, which the child
  // echoes and the gateway passes on: every proxied call then costs two TCP handshakes and the caller's
  // keep-alive connection. Idle sockets are dropped after 4 s, before a server's usual 5 s keep-alive timeout.
  const base = { ...proxyOptions(resolved, deps.logger, captures), agent: new Agent({ keepAlive: true, timeout: 4000 }) };
  const onSendAnswer = (proxyRes: IncomingMessage, req: IncomingMessage): void => {
    const t = resolved.get(req);
    delete proxyRes.headers['www-authenticate'];
    if (t && proxyRes.statusCode === 429 && isSendPath(req.method ?? '', t.childPath)) {
      deps.outbox.timelock(t.phoneNumber, 'WhatsApp reach-out timelock on a proxied send (429)');
    }
  };
  const stream = createProxyMiddleware({ ...base, on: { ...base.on, proxyRes: onSendAnswer } });
  const login = createProxyMiddleware({
    ...base,
    selfHandleResponse: true,
    on: {
      ...base.on,
      proxyRes: responseInterceptor(async (body, proxyRes, req) => {
        const t = resolved.get(req);
        const ok = (proxyRes.statusCode ?? 500) < 300;
        if (!t || !ok) return body;
        const request = req as Request;
        return rewriteQrLink(body, `${request.protocol}://${request.get('host') ?? '127.0.0.1'}`, t.phoneNumber);
      }),
    },
  });

  // Sends: the answer is small; it is read on its way back for the message id, and the request body was read on
  // its way out (SendCapture), so the gateway knows what the number sent.
  const send = createProxyMiddleware({
    ...base,
    selfHandleResponse: true,
    on: {
      ...base.on,
      proxyRes: responseInterceptor(async (body, proxyRes, req) => {
        onSendAnswer(proxyRes, req);
        const t = resolved.get(req);
        const capture = captures.get(req);
        const status = proxyRes.statusCode ?? 500;
        if (t && capture && deps.onSent && status >= 200 && status < 300) recordSend(deps, t, capture, body);
        return body;
      }),
    },
  });

  router.all(`${PROXY_PREFIX}{/*splat}`, async (req, res, next) => {
    try {
      const [rawPath = '', query] = req.originalUrl.split(/\?(.*)/s);
      const rest = rawPath.slice(PROXY_PREFIX.length);
      const target = deps.targets.resolve(currentUser(req), rest, query ? `?${query}` : '', req.get('x-phone-number'));
      if (isManagedPath(req.method, target.childPath, target.phoneNumber)) {
        throw new GatewayError('FORBIDDEN', 'device slots and webhooks of a number are managed by the gateway; use /api/devices', { path: target.childPath });
      }
      resolved.set(req, target);
      const handler = isLoginPath(req.method, target.childPath) ? login : stream;
      if (!isSendPath(req.method, target.childPath)) {
        await forward(handler, req, res);
        return;
      }
      if (deps.onSent) captures.set(req, new SendCapture(req));
      const lane = deps.outbox.lane(target.phoneNumber);
      // Refused at once while the number is paused, and again if a pause began while this call waited its turn.
      const refuseIfPaused = (): void => {
        try {
          lane.assertNotPaused();
        } catch (err) {
          if (err instanceof GatewayError) res.set('Retry-After', String(err.details?.['retryAfterSeconds'] ?? 60));
          throw err;
        }
      };
      refuseIfPaused();
      await lane.schedule(async () => {
        refuseIfPaused();
        await forward(send, req, res);
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** The child's answer to a proxied send: `{results: {message_id}}` (contract §7) → the recorded send. */
function recordSend(deps: ProxyDeps, target: ProxyTarget, capture: SendCapture, body: Buffer): void {
  try {
    const answer = JSON.parse(body.toString('utf8')) as { results?: { message_id?: unknown } };
    const waMessageId = answer.results?.message_id;
    const to = recipientOf(capture.fields['phone']);
    if (typeof waMessageId !== 'string' || waMessageId === '' || !to) return;
    const route = routeKey(target.childPath).split('/')[2] ?? 'message';
    deps.onSent?.({ phoneNumber: target.phoneNumber, route, to, waMessageId, content: contentOf(route, capture) });
  } catch (err) {
    deps.logger.warn({ err, phoneNumber: target.phoneNumber }, 'proxy: could not record a proxied send');
  }
}

/** Run the proxy and settle when the answer is complete, so a queued send holds its slot for the whole call. */
function forward(handler: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    if (res.writableFinished || req.destroyed) {
      resolve();
      return;
    }
    res.once('close', () => resolve());
    Promise.resolve(handler(req, res, (err?: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()))).catch(reject);
  });
}
