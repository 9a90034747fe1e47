import express, { Router, type RequestHandler } from 'express';
import { GatewayError } from '../../domain/errors.js';
import { parseNumberKey } from '../../domain/number-key.js';
import type { InboundWebhooks } from '../../events/inbound-webhooks.js';

/** Webhook bodies of the binary are small JSON; this bounds a misbehaving child. */
const INBOUND_BODY_LIMIT = '5mb';

/**
 * Only the gateway's own children (on 127.0.0.1) may call the receiver. The peer address of the TCP socket is
 * used, never X-Forwarded-For; and a request that came through a proxy (which connects from loopback too) is
 * refused by its forwarding headers, since the children never send them.
 */
export const loopbackOnly: RequestHandler = (req, _res, next) => {
  const peer = req.socket.remoteAddress ?? '';
  const loopback = peer === '::1' || peer.startsWith('127.') || peer.startsWith('::ffff:127.');
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers['forwarded'] !== undefined || req.headers['x-real-ip'] !== undefined;
  next(loopback && !proxied ? undefined : new GatewayError('FORBIDDEN', 'the webhook receiver only accepts calls from the gateway host'));
};

/**
 * `POST /internal/webhooks/{phone}`: every child's `WHATSAPP_WEBHOOK`. Not part of the public API (no token,
 * not in the OpenAPI document): trust comes from the loopback peer and the child's own HMAC secret.
 */
export function internalWebhookRoutes(inbound: InboundWebhooks): Router {
  const router = Router();
  router.post('/internal/webhooks/:phone', loopbackOnly, express.raw({ type: () => true, limit: INBOUND_BODY_LIMIT }), (req, res) => {
    const phone = parseNumberKey(req.params['phone']);
    if (!phone) throw new GatewayError('VALIDATION_FAILED', 'not a number key');
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = inbound.accept(phone, body, req.header('x-hub-signature-256'));
    res.json({ ok: true, ...result });
  });
  return router;
}
