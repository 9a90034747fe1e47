import type { IncomingMessage } from 'node:http';
import { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../domain/errors.js';
import type { ApiRegistry } from '../http/api-registry.js';
import { currentPrincipal } from '../http/auth-middleware.js';
import { requestProtocol } from '../lib/client-address.js';
import { auditNotes, type PlainHandler, type PlainRequest } from '../http/plain-handler.js';
import { errorSchema, numberKey } from '../http/schemas.js';
import type { Logger } from '../lib/logger.js';
import type { AnyOutbox } from '../messaging/outbox.js';
import type { ProxiedSend } from '../messaging/status-journal.js';
import { PassThrough, type ForwardOptions } from './pass-through.js';
import { rewriteQrLink } from './qr-link.js';
import { contentOf, recipientOf, SendCapture } from './send-capture.js';
import { PROXY_PREFIX, proxyRoute, type ProxyTarget, type ProxyTargets } from './targets.js';

/** Longer than the binary's own 45 s request timeout, so its answer (even a 504) gets through. */
const PROXY_TIMEOUT_MS = 60_000;

export interface ProxyHandler {
  readonly handle: PlainHandler;
  /** Drop the idle connections to the children (shutdown). */
  close(): void;
}

export interface ProxyDeps {
  readonly api: ApiRegistry;
  readonly targets: ProxyTargets;
  readonly outbox: Pick<AnyOutbox, 'timelock' | 'lane'>;
  readonly logger: Logger;
  /** TRUST_PROXY hops: whose X-Forwarded-Proto the rewritten QR link may follow. */
  readonly trustHops: number;
  /** A proxied `/send/*` the child accepted (2xx with a message id): the gateway records what it sent. */
  readonly onSent?: (send: ProxiedSend) => void;
}

/**
 * The proxy streams, so it cannot go through the registry's body validation; its routes are still listed in the
 * OpenAPI document (registered on a router that is never mounted).
 */
function documentProxy(api: ApiRegistry): void {
  const docsOnly = Router();
  const params = z.object({ phone: numberKey, path: z.string().meta({ description: "Path on the number's binary, e.g. send/message" }) });
  const responses = {
    200: { description: "The child's answer, status and envelope unchanged" },
    400: { description: 'No number chosen (use the path form or X-Phone-Number)', schema: errorSchema },
    403: { description: "A scope or level the path needs is missing (named), the API key does not cover the number, or a /devices write the gateway manages", schema: errorSchema },
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
        summary:
          "Forwarded to the number's own binary API (credentials added by the gateway); also /proxy/whatsapp/<path> with X-Phone-Number, and WebSocket …/{phone}/ws. The scope needed depends on the path (docs/security.md): /send/* messages:send, /app/login* numbers:pair, /app/logout numbers:control, reads of chats messages:read, /ws events:subscribe",
        tag: 'proxy',
        permission: 'proxy',
        ...(method === 'get' ? {} : { audit: 'proxy.request' }),
        params,
        responses,
      },
      () => undefined,
    );
  }
}

/**
 * `/proxy/whatsapp/*` → the number's own binary API with the child's credentials. Bodies stream both ways (no
 * body parser runs before it); statuses and envelopes pass unchanged, except `qr_link` in login answers, which is
 * pointed at the gateway. `/send/*` calls wait their turn in the number's send queue. A plain handler for the
 * lean /proxy chain of createHttpApp (same rate limit, token check, error handler and metrics as /api).
 */
export function proxyHandler(deps: ProxyDeps): ProxyHandler {
  documentProxy(deps.api);
  const pass = new PassThrough(deps.logger, PROXY_TIMEOUT_MS);
  const onSendAnswer = (target: ProxyTarget) => (answer: IncomingMessage) => {
    if (answer.statusCode === 429) deps.outbox.timelock(target.phoneNumber, 'WhatsApp reach-out timelock on a proxied send (429)');
  };
  // Sends: the request body is read on its way out (SendCapture) and the small answer on its way back for the
  // message id, so the gateway knows what the number sent; both pass to the child and the caller untouched.
  const sendOptions = (target: ProxyTarget, req: PlainRequest): ForwardOptions => {
    const onAnswer = onSendAnswer(target);
    if (!deps.onSent) return { onAnswer };
    const capture = new SendCapture(req);
    return {
      onAnswer,
      onRequest: (upstream) => capture.tap(upstream),
      rewrite: (body, answer) => {
        const status = answer.statusCode ?? 500;
        if (status >= 200 && status < 300) recordSend(deps, target, capture, body);
        return body;
      },
    };
  };
  const loginRewrite = (req: PlainRequest, target: ProxyTarget) => (body: Buffer, answer: IncomingMessage) =>
    (answer.statusCode ?? 500) < 300 ? rewriteQrLink(body, `${requestProtocol(req, deps.trustHops)}://${req.headers.host ?? '127.0.0.1'}`, target.phoneNumber) : body;

  const handle: PlainHandler = async (req, res, next) => {
    try {
      const method = req.method ?? 'GET';
      const [rawPath = '', query] = (req.url ?? '').split(/\?(.*)/s);
      const rest = rawPath.slice(PROXY_PREFIX.length);
      const header = req.headers['x-phone-number'];
      const target = deps.targets.resolve(currentPrincipal(req), method, rest, query ? `?${query}` : '', typeof header === 'string' ? header : undefined, (phoneNumber) => {
        req.routeMark = { action: `proxy.${method.toLowerCase()}`, audited: false, phoneNumber };
      });
      // For the audit trail, which records state-changing calls (reads only when refused): number, route and scope.
      if (method !== 'GET' && method !== 'HEAD') {
        req.routeMark = { action: `proxy.${target.permission.scope.replace(':', '_')}`, audited: false, phoneNumber: target.phoneNumber };
        auditNotes(req).params = { method, path: target.route, scope: target.permission.scope };
      }
      const route = proxyRoute(method, target.childPath, target.phoneNumber, target.route);
      if (route === 'managed') {
        throw new GatewayError('FORBIDDEN', 'device slots and webhooks of a number are managed by the gateway; use /api/devices', { path: target.childPath });
      }
      if (route !== 'send') {
        await pass.forward(req, res, target, route === 'login' ? { rewrite: loginRewrite(req, target) } : {});
        return;
      }
      const options = sendOptions(target, req);
      const lane = deps.outbox.lane(target.phoneNumber);
      // Refused at once while the number is paused, and again if a pause began while this call waited its turn.
      const refuseIfPaused = (): void => {
        try {
          lane.assertNotPaused();
        } catch (err) {
          if (err instanceof GatewayError) res.setHeader('Retry-After', String(err.details?.['retryAfterSeconds'] ?? 60));
          throw err;
        }
      };
      refuseIfPaused();
      // The queue slot is held until the answer is complete.
      await lane.schedule(async () => {
        refuseIfPaused();
        await pass.forward(req, res, target, options);
      });
    } catch (err) {
      next(err);
    }
  };
  return { handle, close: () => pass.close() };
}

/** The child's answer to a proxied send: `{results: {message_id}}` (docs/binary-contract.md §7) → the recorded send. */
function recordSend(deps: ProxyDeps, target: ProxyTarget, capture: SendCapture, body: Buffer): void {
  try {
    const answer = JSON.parse(body.toString('utf8')) as { results?: { message_id?: unknown } };
    const waMessageId = answer.results?.message_id;
    const to = recipientOf(capture.fields['phone']);
    if (typeof waMessageId !== 'string' || waMessageId === '' || !to) return;
    const route = target.route.split('/')[2] ?? 'message';
    deps.onSent?.({ phoneNumber: target.phoneNumber, route, to, waMessageId, content: contentOf(route, capture) });
  } catch (err) {
    deps.logger.warn({ err, phoneNumber: target.phoneNumber }, 'proxy: could not record a proxied send');
  }
}
