import crypto from 'node:crypto';
import type { NewMessage } from '../db/ports/messages.js';
import type { MessageKind, MessagePayload, StoredUpload } from './types.js';

export interface NewOutgoing {
  readonly phoneNumber: string;
  /** A full JID (digits already turned into `<digits>@s.whatsapp.net`). */
  readonly recipient: string;
  readonly kind: MessageKind;
  readonly content: Omit<MessagePayload, 'upload' | 'fingerprint'>;
  readonly idempotencyKey: string | null;
  readonly ttlMs?: number;
  /** A file multer wrote to the media tmp folder. */
  readonly upload?: { readonly tempPath: string } & Omit<StoredUpload, 'path'>;
}

/** The row of a send the outbox accepts: `queued`, expiring after its own time to live or the default. */
export function acceptedRow(id: string, input: NewOutgoing, payload: MessagePayload, now: number, defaultTtlMs: number): NewMessage {
  return {
    id,
    phoneNumber: input.phoneNumber,
    recipient: input.recipient,
    kind: input.kind,
    payload: payload as unknown as Record<string, unknown>,
    status: 'queued',
    idempotencyKey: input.idempotencyKey,
    expiresAt: now + (input.ttlMs ?? defaultTtlMs),
    createdAt: now,
    updatedAt: now,
  };
}

/** What was asked, hashed: an Idempotency-Key reused for a different message is refused. */
export function fingerprintOf(input: NewOutgoing): string {
  const { recipient, kind, content, upload } = input;
  const file = upload ? { name: upload.fileName, size: upload.size, type: upload.mimeType } : null;
  return crypto.createHash('sha256').update(JSON.stringify({ recipient, kind, content, file })).digest('hex');
}
