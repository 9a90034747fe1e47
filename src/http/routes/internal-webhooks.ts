import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../../domain/errors.js';
import { parseNumberKey } from '../../domain/number-key.js';
import type { InboundWebhooks } from '../../events/inbound-webhooks.js';
import { notFound, sendJson } from '../error-handler.js';
import type { PlainHandler, PlainRequest } from '../plain-handler.js';

/** Webhook bodies of the binary are small JSON; this bounds a misbehaving child. */
const INBOUND_BODY_LIMIT = 5 * 1024 * 1024;
/** The receiver's requests are timed under this route (as Express named it). */
export const INTERNAL_WEBHOOK_ROUTE = '/internal/webhooks/:phone';
/** `/internal/webhooks/` and everything under it: the lean chain's part of the URL space. */
export const INTERNAL_WEBHOOK_MOUNT = /^\/internal\/webhooks\//i;
const PATH = /^\/internal\/webhooks\/([^/?]+)\/?(?:\?.*)?$/i;

/**
 * Only the gateway's own children (on 127.0.0.1) may call the receiver. The peer address of the TCP socket is
 * used, never X-Forwarded-For; and a request that came through a proxy (which connects from loopback too) is
 * refused by its forwarding headers, since the children never send them.
 */
export function assertLoopback(req: IncomingMessage): void {
  const peer = req.socket.remoteAddress ?? '';
  const loopback = peer === '::1' || peer.startsWith('127.') || peer.startsWith('::ffff:127.');
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers['forwarded'] !== undefined || req.headers['x-real-ip'] !== undefined;
  if (!loopback || proxied) throw new GatewayError('FORBIDDEN', 'the webhook receiver only accepts calls from the gateway host');
}

/**
 * `POST /internal/webhooks/{phone}`: every child's `WHATSAPP_WEBHOOK`. Not part of the public API (no token,
 * not in the OpenAPI document): trust comes from the loopback peer and the child's own HMAC secret. It runs on
 * the lean chain beside Express (one call per event of every number: Express's router and request helpers were
 * a good part of it), answering with the same error envelope.
 */
export function internalWebhookHandler(inbound: InboundWebhooks): PlainHandler {
  return async (req, res, next) => {
    const match = PATH.exec(req.url ?? '');
    if (!match || req.method !== 'POST') {
      notFound(req, res, next);
      return;
    }
    req.routeLabel = INTERNAL_WEBHOOK_ROUTE;
    assertLoopback(req);
    const body = await readBody(req, INBOUND_BODY_LIMIT);
    const phone = parseNumberKey(decodeSegment(match[1] ?? ''));
    if (!phone) throw new GatewayError('VALIDATION_FAILED', 'not a number key');
    const signature = req.headers['x-hub-signature-256'];
    const result = await inbound.accept(phone, body, typeof signature === 'string' ? signature : undefined);
    sendJson(res, 200, { ok: true, ...result });
  };
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

/** The exact bytes of the body (the signature is over them), refused past `limit` or in an encoding we do not read. */
function readBody(req: PlainRequest, limit: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') return Promise.reject(new GatewayError('MALFORMED_BODY', 'unsupported body encoding'));
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooLarge = () => new GatewayError('PAYLOAD_TOO_LARGE', `request body is larger than the ${limit} byte limit`);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: GatewayError): void => {
      req.removeAllListeners('data');
      req.resume();
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(tooLarge());
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    req.on('aborted', () => fail(new GatewayError('VALIDATION_FAILED', 'malformed request')));
    req.on('error', () => fail(new GatewayError('VALIDATION_FAILED', 'malformed request')));
  });
}
