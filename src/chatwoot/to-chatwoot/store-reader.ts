import fs from 'node:fs';
import type { MediaService } from '../../conversations/media-service.js';
import { messageView, type MessageView } from '../../conversations/views.js';
import type { AnnotationRepository } from '../../db/repositories/annotations.js';
import type { ConversationRepository } from '../../db/repositories/conversations.js';
import type { MessageRepository } from '../../db/repositories/messages.js';
import type { StoredMessageRepository } from '../../db/repositories/stored-messages.js';
import type { ConversationRow, StoredMessageRow } from '../../db/schema.js';
import { GatewayError } from '../../domain/errors.js';
import { BRIDGE_PRINCIPAL } from '../audit.js';


export type MediaBytes =
  | { readonly ok: true; readonly bytes: Buffer; readonly mime: string; readonly fileName: string | null }
  /** `retry`: the number's child is not running now; otherwise the file is gone or too large for good. */
  | { readonly ok: false; readonly reason: string; readonly retry: boolean };

export interface StoreReaderDeps {
  readonly messages: StoredMessageRepository;
  readonly annotations: AnnotationRepository;
  readonly conversations: ConversationRepository;
  readonly outbox: MessageRepository;
  readonly media: MediaService;
}

/** What the bridge reads of the conversation store: a message as callers see it, its chat, its file. */
export class StoreReader {
  constructor(private readonly deps: StoreReaderDeps) {}

  message(id: string): { row: StoredMessageRow; view: MessageView } | null {
    const row = this.deps.messages.byId(id);
    if (!row) return null;
    const annotations = row.waId ? this.deps.annotations.forTargets(row.phoneNumber, [row.waId]) : [];
    return { row, view: messageView(row, annotations) };
  }

  byWaId(phoneNumber: string, waId: string): StoredMessageRow | undefined {
    return this.deps.messages.byWaId(phoneNumber, waId);
  }

  chat(phoneNumber: string, chatKey: string): ConversationRow | undefined {
    return this.deps.conversations.get(phoneNumber, chatKey);
  }

  /** The Idempotency-Key of the outbox message a store row was sent as (store id = outbox id), if any. */
  idempotencyKeyOf(id: string): string | null {
    return this.deps.outbox.get(id)?.idempotencyKey ?? null;
  }

  /** The file of a stored message, fetched from the number's child (through the media cache) when it is small enough. */
  async mediaOf(row: StoredMessageRow, maxBytes: number): Promise<MediaBytes> {
    const size = typeof row.media?.['size'] === 'number' ? row.media['size'] : null;
    if (size !== null && size > maxBytes) return { ok: false, reason: `the file is larger than ${Math.round(maxBytes / 1_000_000)} MB`, retry: false };
    try {
      const file = await this.deps.media.open(BRIDGE_PRINCIPAL, row.id);
      try {
        if (file.size > maxBytes) return { ok: false, reason: `the file is larger than ${Math.round(maxBytes / 1_000_000)} MB`, retry: false };
        return { ok: true, bytes: await fs.promises.readFile(file.file), mime: file.mime, fileName: file.fileName };
      } finally {
        file.done();
      }
    } catch (err) {
      if (err instanceof GatewayError && (err.code === 'MEDIA_GONE' || err.code === 'MEDIA_NOT_FOUND')) return { ok: false, reason: err.message, retry: false };
      return { ok: false, reason: (err as Error).message, retry: true };
    }
  }
}
