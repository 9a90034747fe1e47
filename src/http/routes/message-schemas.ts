import { z } from 'zod';
import type { MessageRow } from '../../db/schema.js';
import { recipientJid } from '../../messaging/recipient.js';
import type { MessagePayload } from '../../messaging/types.js';
import { phoneNumber } from '../schemas.js';

export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'expired'] as const;

export const recipient = z
  .string({ error: 'is required' })
  .transform((value, ctx) => {
    const jid = recipientJid(value);
    if (!jid) {
      ctx.addIssue({ code: 'custom', message: 'must be a phone number (8 to 15 digits) or a WhatsApp JID such as 5511888888888@s.whatsapp.net' });
      return z.NEVER;
    }
    return jid;
  })
  .meta({ description: 'Recipient: digits (optional +) or a full JID', examples: ['5511888888888'] });

const ttlSeconds = z
  .number()
  .int()
  .min(1)
  .max(30 * 86_400)
  .optional()
  .meta({ description: 'Seconds the message may wait in the queue before it expires (default MESSAGE_TTL)' });
const caption = z.string().max(4096).optional();
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);

export const sendTextBody = z.strictObject({
  from: phoneNumber,
  to: recipient,
  message: z.string({ error: 'is required' }).min(1, 'must not be empty').max(65_536),
  ttlSeconds,
});

/** JSON with `imageUrl`, or multipart/form-data with the same fields as text and the file in `image`. */
export const sendImageBody = z.strictObject({
  from: phoneNumber,
  to: recipient,
  imageUrl: httpUrl.optional(),
  caption,
  viewOnce: z.boolean().optional(),
  compress: z.boolean().optional(),
  ttlSeconds,
});

/** JSON with `fileUrl`, or multipart/form-data with the file in `file`. */
export const sendFileBody = z.strictObject({
  from: phoneNumber,
  to: recipient,
  fileUrl: httpUrl.optional(),
  caption,
  ttlSeconds,
});

const iso = z.string().nullable();
export const messageSchema = z
  .object({
    id: z.string(),
    from: z.string(),
    to: z.string(),
    kind: z.enum(['text', 'image', 'file']),
    status: z.enum(MESSAGE_STATUSES),
    content: z.object({
      message: z.string().optional(),
      caption: z.string().optional(),
      imageUrl: z.string().optional(),
      fileUrl: z.string().optional(),
      fileName: z.string().optional(),
      viewOnce: z.boolean().optional(),
    }),
    waMessageId: z.string().nullable(),
    error: z.string().nullable(),
    attempts: z.number(),
    idempotencyKey: z.string().nullable(),
    nextAttemptAt: iso,
    expiresAt: iso,
    sentAt: iso,
    deliveredAt: iso,
    readAt: iso,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Message' });

const isoOf = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** What callers see of an outbox row: never the stored upload's path or the idempotency fingerprint. */
export function messageView(row: MessageRow): z.input<typeof messageSchema> {
  const p = row.payload as unknown as MessagePayload;
  const content: z.input<typeof messageSchema>['content'] = {};
  if (p.message !== undefined) content.message = p.message;
  if (p.caption !== undefined) content.caption = p.caption;
  if (p.imageUrl !== undefined) content.imageUrl = p.imageUrl;
  if (p.fileUrl !== undefined) content.fileUrl = p.fileUrl;
  if (p.upload) content.fileName = p.upload.fileName;
  if (p.viewOnce !== undefined) content.viewOnce = p.viewOnce;
  return {
    id: row.id,
    from: row.phoneNumber,
    to: row.recipient,
    kind: row.kind,
    status: row.status,
    content,
    waMessageId: row.waMessageId,
    error: row.error,
    attempts: row.attempts,
    idempotencyKey: row.idempotencyKey,
    nextAttemptAt: isoOf(row.nextAttemptAt),
    expiresAt: isoOf(row.expiresAt),
    sentAt: isoOf(row.sentAt),
    deliveredAt: isoOf(row.deliveredAt),
    readAt: isoOf(row.readAt),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
