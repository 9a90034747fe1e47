import express, { Router } from 'express';
import type { WebhookReceiver } from '../../chatwoot/to-whatsapp/webhook-receiver.js';

/** Chatwoot's webhook bodies are small JSON; a message's files come as URLs. */
const BODY_LIMIT = '1mb';

/** What a command endpoint must answer (src/chatwoot/commands). */
export interface CommandEndpoint {
  accept(raw: Buffer, headers: { delivery?: string; timestamp?: string; signature?: string }, origin: string): Promise<{ status: number; body: Record<string, unknown> }>;
}

/**
 * The two addresses Chatwoot posts to. No bearer token (Chatwoot sends none): each is checked by Chatwoot's
 * signature over the exact bytes, so the body is read raw. `/webhooks/chatwoot/{hookId}` is one inbox's webhook
 * (the secret id names the binding); `/webhook/comando` is the account webhook that carries command messages.
 */
export function chatwootWebhookRoutes(receiver: WebhookReceiver, commands: CommandEndpoint, publicBase: (req: express.Request) => string): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: BODY_LIMIT });
  const headersOf = (req: express.Request) => ({
    delivery: req.header('x-chatwoot-delivery') ?? undefined,
    timestamp: req.header('x-chatwoot-timestamp') ?? undefined,
    signature: req.header('x-chatwoot-signature') ?? undefined,
  });
  const bytes = (req: express.Request) => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
  router.post('/webhooks/chatwoot/:hookId', raw, (req, res) => {
    const answer = receiver.accept(String(req.params['hookId']), bytes(req), headersOf(req));
    res.status(answer.status).json(answer.body);
  });
  router.post('/webhook/comando', raw, async (req, res) => {
    const answer = await commands.accept(bytes(req), headersOf(req), publicBase(req));
    res.status(answer.status).json(answer.body);
  });
  return router;
}
