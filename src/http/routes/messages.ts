import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { AccessPolicy } from '../../auth/policy.js';
import type { Principal } from '../../auth/principal.js';
import { AccessDenied, GatewayError, ValidationError } from '../../domain/errors.js';
import type { MediaStore } from '../../messaging/media-store.js';
import type { AnyOutbox, NewOutgoing } from '../../messaging/outbox.js';
import type { ApiRegistry } from '../api-registry.js';
import { auditLink } from '../audit-trail.js';
import { auditNotes } from '../plain-handler.js';
import { currentPrincipal, currentUser } from '../auth-middleware.js';
import { errorSchema, phoneNumber } from '../schemas.js';
import { MESSAGE_STATUSES, messageSchema, messageView, recipient, sendFileBody, sendImageBody, sendTextBody } from './message-schemas.js';
import { IMAGE_TYPES, optionalUpload } from './message-uploads.js';
import { assertOutwardUrl } from '../webhook-target.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

const accepted = {
  202: { description: 'Accepted: stored in the outbox and queued (or, with a repeated Idempotency-Key, the first message)', schema: messageSchema },
  400: { description: 'Invalid from, to or content', schema: errorSchema },
  409: { description: 'Idempotency-Key already used for a different message', schema: errorSchema },
};

export interface MessageRouteDeps {
  readonly outbox: AnyOutbox;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
  readonly media: MediaStore;
}

export function messageRoutes(api: ApiRegistry, deps: MessageRouteDeps): Router {
  const router = Router();
  const { outbox, policy, audit, media } = deps;

  /**
   * `from` must be a number the caller may send from. One it may not see is a 400 on the field (in a body, as if
   * unknown); one it sees but may not send from (level, or a key's number list) is the policy's 403.
   */
  const sender = (principal: Principal, from: string, req: Request): string => {
    try {
      return policy.require(principal, 'messages:send', from).phoneNumber;
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'FORBIDDEN') throw err;
      if (err instanceof AccessDenied) auditNotes(req).accessDenied = true;
      throw new ValidationError([{ field: 'from', message: 'is not a registered number you may send from' }]);
    }
  };

  const accept = (req: Request, res: Response, input: Omit<NewOutgoing, 'idempotencyKey'>): Promise<void> => acceptMessage(outbox, audit, req, res, input);

  api.route(
    router,
    {
      method: 'post',
      path: '/api/messages/send',
      summary: 'Send a text message (queued in the number\'s outbox; optional Idempotency-Key header)',
      tag: 'messages',
      permission: { scope: 'messages:send', number: 'body' },
      audit: 'message.send',
      body: sendTextBody,
      responses: accepted,
    },
    async ({ body }, req, res) => {
      const from = sender(currentPrincipal(req), body.from, req);
      await accept(req, res, { phoneNumber: from, recipient: body.to, kind: 'text', content: { message: body.message }, ttlMs: ttl(body.ttlSeconds) });
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/messages/send-image',
      summary: 'Send an image: JSON with imageUrl, or multipart/form-data with the JPEG/PNG in `image` (≤ 20 MB)',
      tag: 'messages',
      permission: { scope: 'messages:send', number: 'body' },
      audit: 'message.send_image',
      body: sendImageBody,
      upload: { file: 'image', description: 'The JPEG or PNG in `image` (≤ 20 MB) instead of imageUrl' },
      responses: { ...accepted, 413: { description: 'Image larger than 20 MB', schema: errorSchema } },
    },
    async ({ body }, req, res) => {
      const from = sender(currentPrincipal(req), body.from, req);
      const file = req.file;
      if (!file && !body.imageUrl) throw new ValidationError([{ field: 'imageUrl', message: 'give imageUrl, or upload the image as multipart field `image`' }]);
      if (file && body.imageUrl) throw new ValidationError([{ field: 'imageUrl', message: 'give either imageUrl or an uploaded image, not both' }]);
      if (file && !IMAGE_TYPES.includes(file.mimetype)) throw new ValidationError([{ field: 'image', message: 'must be a JPEG or PNG image' }]);
      // The number's binary downloads the URL for the tenant: the same outward rule as webhooks.
      await assertOutwardUrl(currentUser(req), 'imageUrl', body.imageUrl);
      await accept(req, res, {
        phoneNumber: from,
        recipient: body.to,
        kind: 'image',
        content: { imageUrl: body.imageUrl, caption: body.caption, viewOnce: body.viewOnce, compress: body.compress },
        ttlMs: ttl(body.ttlSeconds),
        upload: file ? { tempPath: file.path, fileName: safeName(file.originalname, 'image'), mimeType: file.mimetype, size: file.size } : undefined,
      });
    },
    optionalUpload(media, 'image'),
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/messages/send-file',
      summary: 'Send a document: JSON with fileUrl, or multipart/form-data with the file in `file` (≤ 50 MB)',
      tag: 'messages',
      permission: { scope: 'messages:send', number: 'body' },
      audit: 'message.send_file',
      body: sendFileBody,
      upload: { file: 'file', description: 'The document in `file` (≤ 50 MB) instead of fileUrl' },
      responses: { ...accepted, 413: { description: 'File larger than 50 MB', schema: errorSchema } },
    },
    async ({ body }, req, res) => {
      const from = sender(currentPrincipal(req), body.from, req);
      const file = req.file;
      if (!file && !body.fileUrl) throw new ValidationError([{ field: 'fileUrl', message: 'give fileUrl, or upload the file as multipart field `file`' }]);
      if (file && body.fileUrl) throw new ValidationError([{ field: 'fileUrl', message: 'give either fileUrl or an uploaded file, not both' }]);
      await assertOutwardUrl(currentUser(req), 'fileUrl', body.fileUrl);
      await accept(req, res, {
        phoneNumber: from,
        recipient: body.to,
        kind: 'file',
        content: { fileUrl: body.fileUrl, caption: body.caption },
        ttlMs: ttl(body.ttlSeconds),
        upload: file ? { tempPath: file.path, fileName: safeName(file.originalname, 'file'), mimeType: file.mimetype || 'application/octet-stream', size: file.size } : undefined,
      });
    },
    optionalUpload(media, 'file'),
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/messages/:id',
      summary: 'One message: status (queued, sending, sent, delivered, read, failed, expired), WhatsApp id, timestamps',
      tag: 'messages',
      permission: { scope: 'messages:read' },
      params: z.object({ id: z.string().min(1).max(100) }),
      responses: { 200: { description: 'Message', schema: messageSchema }, 404: { description: 'No such message (or not yours)', schema: errorSchema } },
    },
    async ({ params }, req, res) => {
      const principal = currentPrincipal(req);
      const row = await outbox.get(params.id);
      const mine = row !== undefined && policy.allowsNumber(principal, 'messages:read', row.phoneNumber);
      if (!row || !mine) throw new GatewayError('MESSAGE_NOT_FOUND', `message ${params.id} not found`);
      res.json(messageView(row));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/messages',
      summary: 'Messages of the numbers you can see, newest first (limit/offset with total)',
      tag: 'messages',
      permission: { scope: 'messages:read' },
      query: z.object({
        from: phoneNumber.optional(),
        to: recipient.optional(),
        status: z.enum(MESSAGE_STATUSES).optional(),
        limit: z.number().int().min(1).max(200).default(50),
        offset: z.number().int().min(0).default(0),
      }),
      responses: {
        200: {
          description: 'A page of messages',
          schema: z.object({ messages: z.array(messageSchema), total: z.number(), limit: z.number(), offset: z.number() }),
        },
      },
    },
    async ({ query }, req, res) => {
      const visible = policy.visibleNumbers(currentPrincipal(req), 'messages:read');
      let phoneNumbers: string[] | null = visible;
      if (query.from) phoneNumbers = visible === null || visible.includes(query.from) ? [query.from] : [];
      const { rows, total } = await outbox.list({ phoneNumbers, status: query.status, recipient: query.to, limit: query.limit, offset: query.offset });
      res.json({ messages: rows.map(messageView), total, limit: query.limit, offset: query.offset });
    },
  );

  return router;
}

/**
 * A send into the outbox as every send route answers it: 202, the message, `Location`, `Idempotent-Replayed` for a
 * repeated Idempotency-Key; the send's audit row is stored with the message, in its transaction.
 */
export async function acceptMessage(outbox: Pick<AnyOutbox, 'accept'>, audit: AuditLog, req: Request, res: Response, input: Omit<NewOutgoing, 'idempotencyKey'>): Promise<void> {
  const params = req.body as Record<string, unknown>;
  const { row, created } = await outbox.accept({ ...input, idempotencyKey: idempotencyKey(req) }, (stored) =>
    auditLink(audit, req, { httpStatus: 202, target: { type: 'message', id: stored.id }, phoneNumber: stored.phoneNumber, params }),
  );
  res.status(202).location(`/api/messages/${row.id}`);
  if (!created) res.set('Idempotent-Replayed', 'true');
  res.json(messageView(row));
}

export function idempotencyKey(req: Request): string | null {
  const key = req.get('idempotency-key');
  if (key === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 200 visible ASCII characters' }]);
  return key;
}

function ttl(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}

/** The name WhatsApp shows for a document; path parts and control characters are dropped. */
function safeName(original: string, fallback: string): string {
  const base = original.split(/[\\/]/).pop() ?? '';
  const clean = [...base].filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f).join('').trim().slice(0, 200);
  return clean || fallback;
}
