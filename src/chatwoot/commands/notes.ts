import crypto from 'node:crypto';
import { SOURCE_PREFIX } from '../../domain/chatwoot.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { NotePayload } from '../to-chatwoot/note-step.js';

/**
 * The bridge's answers in a Chatwoot conversation: private notes (never sent to WhatsApp, never read as
 * commands: they carry our source id prefix), queued as durable `note` steps of a binding.
 */
export class Notes {
  constructor(private readonly queue: JobQueue) {}

  post(phoneNumber: string, conversationId: number, content: string, attachment?: NotePayload['attachment']): void {
    const ref = `${SOURCE_PREFIX}note:${crypto.randomUUID()}`;
    const payload: NotePayload = { conversationId, content, ...(attachment ? { attachment } : {}) };
    this.queue.wake([this.queue.enqueue({ phoneNumber, lane: `conversation:${conversationId}`, kind: 'note', ref, payload })]);
  }
}
