import express, { Router } from 'express';
import { z } from 'zod';
import type { CommandEndpoint, RequestFacts } from '../../chatwoot/commands/command-webhook.js';
import type { WebhookReceiver } from '../../chatwoot/to-whatsapp/webhook-receiver.js';
import type { ApiRegistry } from '../api-registry.js';
import { noteAuditTarget } from '../audit-trail.js';
import { auditNotes, type PlainRequest } from '../plain-handler.js';
import { errorSchema } from '../schemas.js';

/** Chatwoot's webhook bodies are small JSON; a message's files come as URLs. */
const BODY_LIMIT = '1mb';
const SIGNED = { description: "Chatwoot's webhook payload (message_created, message_updated, conversation_status_changed, …), checked against X-Chatwoot-Signature over the exact bytes before it is read", signatureHeader: 'X-Chatwoot-Signature' };
const answer = z.object({ ok: z.boolean() }).catchall(z.unknown());

/**
 * The two addresses Chatwoot posts to. No token (Chatwoot sends none): `public`, each checked by Chatwoot's
 * signature over the exact bytes, so the body is read raw. `/webhooks/chatwoot/{hookId}` is one inbox's webhook
 * (the secret id names the binding); `/webhook/comando` is the account webhook that carries command messages.
 *
 * Audit: a refused delivery (bad signature, unknown binding, malformed body) is a row of the audit trail. A taken
 * one writes its own rows where it changes something — an agent's reply queued, a command decided — in the
 * transaction of that change; the many deliveries that change nothing (the bridge's own messages coming back,
 * customers' messages, notes) write none.
 */
export function chatwootWebhookRoutes(api: ApiRegistry, receiver: WebhookReceiver, commands: CommandEndpoint, publicBase: (req: express.Request) => string): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: BODY_LIMIT });
  const headersOf = (req: express.Request) => ({
    delivery: req.header('x-chatwoot-delivery') ?? undefined,
    timestamp: req.header('x-chatwoot-timestamp') ?? undefined,
    signature: req.header('x-chatwoot-signature') ?? undefined,
  });
  const bytes = (req: express.Request) => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
  const factsOf = (req: PlainRequest): RequestFacts => {
    const agent = req.headers['user-agent'];
    return { ip: req.clientIp ?? null, userAgent: typeof agent === 'string' ? agent : null, requestId: req.requestId ?? null };
  };
  /** The trail writes the row of a refusal; a taken delivery wrote what it had to (or there was nothing). */
  const settle = (req: PlainRequest, status: number, phoneNumber: string | undefined, reason: string | undefined): void => {
    if (phoneNumber) noteAuditTarget(req, { type: 'number', id: phoneNumber }, phoneNumber);
    if (status < 400) req.auditWritten = true;
    else if (reason) auditNotes(req).params = { reason };
  };

  api.route(
    router,
    {
      method: 'post',
      path: '/webhooks/chatwoot/:hookId',
      summary: "A bound inbox's webhook (Chatwoot → WhatsApp): agents' replies go to the number's outbox; the URL is given to the inbox when binding",
      tag: 'chatwoot-webhooks',
      permission: 'public',
      audit: 'chatwoot.webhook',
      params: z.object({ hookId: z.string().max(100) }),
      signedBody: SIGNED,
      responses: {
        200: { description: 'Taken (or not for WhatsApp)', schema: answer },
        400: { description: 'Not JSON', schema: errorSchema },
        401: { description: 'Bad, stale or missing signature', schema: errorSchema },
        404: { description: 'No binding has this URL', schema: errorSchema },
      },
    },
    async ({ params }, req, res) => {
      const result = await receiver.accept(params.hookId, bytes(req), headersOf(req), factsOf(req));
      settle(req, result.status, result.phoneNumber, errorMessage(result.body));
      res.status(result.status).json(result.body);
    },
    raw,
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/webhook/comando',
      summary: 'The Chatwoot account webhook that carries command messages (erga …): signed with CHATWOOT_COMMAND_SECRET, from WEBHOOK_AUTHORIZED_PHONE_NUMBERS only; every command is audited, run or refused',
      tag: 'chatwoot-webhooks',
      permission: 'public',
      audit: 'chatwoot.command',
      signedBody: SIGNED,
      responses: {
        200: { description: 'Decided (accepted, refused, duplicate) or not a command', schema: answer },
        400: { description: 'Not JSON', schema: errorSchema },
        401: { description: 'Commands off, or a bad, stale or missing signature', schema: errorSchema },
      },
    },
    async (_input, req, res) => {
      const result = await commands.accept(bytes(req), headersOf(req), publicBase(req), factsOf(req));
      settle(req, result.status, undefined, errorMessage(result.body));
      res.status(result.status).json(result.body);
    },
    raw,
  );
  return router;
}

function errorMessage(body: Record<string, unknown>): string | undefined {
  const error = body['error'];
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string' ? (error as { message: string }).message : undefined;
}
