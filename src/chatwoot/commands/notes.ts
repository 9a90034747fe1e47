import crypto from 'node:crypto';
import { SOURCE_PREFIX } from '../../domain/chatwoot.js';
import type { Logger } from '../../lib/logger.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { NotePayload } from '../to-chatwoot/note-step.js';

/**
 * The bridge's answers in a Chatwoot conversation: private notes (never sent to WhatsApp, never read as
 * commands: they carry our source id prefix), queued as durable `note` steps of a binding, one after the other so
 * they keep the order they were posted in ("a QR code", then "connected").
 */
export class Notes {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly queue: JobQueue,
    private readonly logger: Logger,
  ) {}

  post(phoneNumber: string, conversationId: number, content: string, attachment?: NotePayload['attachment']): void {
    const ref = `${SOURCE_PREFIX}note:${crypto.randomUUID()}`;
    const payload: NotePayload = { conversationId, content, ...(attachment ? { attachment } : {}) };
    this.tail = this.tail
      .then(async () => this.queue.wake([await this.queue.enqueue({ phoneNumber, lane: `conversation:${conversationId}`, kind: 'note', ref, payload })]))
      .catch((err: unknown) => this.logger.error({ err, phoneNumber, conversationId }, 'chatwoot: a note could not be queued'));
  }
}
