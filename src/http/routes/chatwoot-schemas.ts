import { z } from 'zod';
import { normalizeJid } from '../../domain/jid.js';

/** The Chatwoot routes' bodies and answers (src/http/routes/chatwoot.ts), as the OpenAPI document shows them. */

const jid = z.string().transform((value, ctx) => {
  const parsed = normalizeJid(value);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: 'must be a WhatsApp JID (5511…@s.whatsapp.net, …@g.us, …@lid)' });
    return z.NEVER;
  }
  return parsed;
});

const optionsBody = z
  .strictObject({
    reopenConversations: z.boolean().optional().meta({ description: 'true (default): messages keep going to the person’s conversation (Chatwoot reopens a resolved one); false: a resolved conversation stays closed and a new one opens' }),
    pendingConversations: z.boolean().optional().meta({ description: 'New conversations start as pending (default false: open)' }),
    signAgentName: z.boolean().optional().meta({ description: 'Agent replies reach WhatsApp as *Name*: + the text (default false)' }),
    ignoreGroups: z.boolean().optional(),
    ignoreChats: z.array(jid).max(500).optional().meta({ description: 'Chats (JIDs) not bridged' }),
    importDays: z.number().int().min(0).max(365).optional().meta({ description: 'Import the stored messages of the last N days when binding (default 0)' }),
    ownMessages: z.enum(['outgoing', 'private_note']).optional().meta({ description: 'Messages sent from the phone itself show as outgoing messages (default) or private notes' }),
    unsignedWebhooks: z.boolean().optional().meta({ description: 'Chatwoot older than 4.13 signs no API-inbox webhook: accept them unsigned (the secret webhook URL is then the only check)' }),
  })
  .meta({ description: 'How the binding bridges; each option has a default' });

export const bindBody = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(1024).optional().meta({ description: 'Chatwoot’s address; default CHATWOOT_BASE_URL' }),
  accountId: z.number().int().min(1).optional().meta({ description: 'The number in /app/accounts/<id>/…; default DEFAULT_CHATWOOT_ACCOUNT_ID' }),
  apiToken: z.string().min(8).max(256).optional().meta({ description: 'A User access token (Profile settings → Access Token); an administrator’s to create or point the inbox; default CHATWOOT_API_ACCESS_TOKEN. Stored encrypted, never shown.' }),
  inboxId: z.number().int().min(1).optional().meta({ description: 'An existing API inbox' }),
  createInbox: z.strictObject({ name: z.string().trim().min(1).max(100) }).optional().meta({ description: 'Or: create an API inbox with this name, pointed at the gateway' }),
  webhookSecret: z.string().min(8).max(256).optional().meta({ description: 'The inbox’s webhook signing secret, when the token cannot read it (not an administrator’s)' }),
  options: optionsBody.optional(),
});

const backlogSchema = z.object({ pending: z.number(), retrying: z.number(), dead: z.number(), oldestPendingAt: z.string().nullable() });
export const bindingSchema = z
  .object({
    phoneNumber: z.string(),
    baseUrl: z.string(),
    accountId: z.number(),
    inboxId: z.number(),
    inboxName: z.string().nullable(),
    webhookUrl: z.string().meta({ description: 'Where the inbox posts its webhooks (secret: it names the binding)' }),
    signedWebhooks: z.boolean(),
    inboxWebhookSet: z.boolean().optional().meta({ description: 'After PUT: whether the inbox now posts to webhookUrl (a non-administrator’s token cannot set it: do it in Chatwoot, Settings → Inboxes → the inbox → Configuration)' }),
    options: z.object({
      reopenConversations: z.boolean(),
      pendingConversations: z.boolean(),
      signAgentName: z.boolean(),
      ignoreGroups: z.boolean(),
      ignoreChats: z.array(z.string()),
      importDays: z.number(),
      ownMessages: z.enum(['outgoing', 'private_note']),
      unsignedWebhooks: z.boolean(),
    }),
    importPending: z.boolean().meta({ description: 'The history import waits for the number’s first backfill (bound before it paired)' }),
    backlog: z.object({ toChatwoot: backlogSchema, toWhatsapp: backlogSchema, pausedUntil: z.string().nullable() }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ChatwootBinding' });

export const STATUSES = ['pending', 'running', 'done', 'dead'] as const;
export const deliverySchema = z
  .object({
    id: z.number(),
    phoneNumber: z.string(),
    direction: z.enum(['to_chatwoot', 'to_whatsapp']),
    kind: z.enum(['message', 'merge', 'note', 'reply', 'fail']),
    ref: z.string().meta({ description: 'message: the stored message id; reply, fail: the Chatwoot message id; merge: the @lid; note: its source id' }),
    lane: z.string(),
    status: z.enum(STATUSES),
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    giveUpAt: z.string().nullable(),
    lastError: z.string().nullable(),
    doneAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ChatwootDelivery' });
