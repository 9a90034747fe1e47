import type { ChatwootStateStore } from '../../db/ports/chatwoot-state.js';
import type { ChatwootJobRow } from '../../db/schema.js';
import type { Bindings } from '../bindings/bindings.js';
import { ChatwootError } from '../client/errors.js';
import type { StepOutcome } from '../queue/job-queue.js';
import { postOnce } from './post-once.js';

export interface NotePayload {
  readonly [key: string]: unknown;
  readonly conversationId: number;
  readonly content: string;
  /** A file with it (a QR code): base64. */
  readonly attachment?: { readonly fileName: string; readonly mime: string; readonly base64: string };
}

/** The `note` step: a private note of the bridge itself (a command's answer, a QR code), posted once under its source id. */
export function noteStep(bindings: Bindings, state: ChatwootStateStore) {
  return async (job: ChatwootJobRow): Promise<StepOutcome> => {
    const binding = bindings.get(job.phoneNumber);
    if (!binding) return { kind: 'done' };
    const note = job.payload as NotePayload;
    await postOnce(state, binding, note.conversationId, {
      content: note.content,
      messageType: 'outgoing',
      private: true,
      sourceId: job.ref,
      contentAttributes: { external_echo: true },
      ...(note.attachment ? { attachments: [{ fileName: note.attachment.fileName, mime: note.attachment.mime, bytes: Buffer.from(note.attachment.base64, 'base64') }] } : {}),
    });
    return { kind: 'done' };
  };
}

/** The `fail` step: an agent's message that could not be sent is marked failed in Chatwoot, with the reason (BR-10). */
export function failStep(bindings: Bindings) {
  return async (job: ChatwootJobRow): Promise<StepOutcome> => {
    const binding = bindings.get(job.phoneNumber);
    const conversationId = Number(job.payload['conversationId']);
    const reason = typeof job.payload['error'] === 'string' ? job.payload['error'] : 'not sent to WhatsApp';
    if (!binding || !Number.isInteger(conversationId)) return { kind: 'done' };
    try {
      await binding.client.updateMessageStatus(conversationId, Number(job.ref), 'failed', reason.slice(0, 500));
    } catch (err) {
      if (err instanceof ChatwootError && err.status === 404) return { kind: 'done' };
      throw err;
    }
    return { kind: 'done' };
  };
}
