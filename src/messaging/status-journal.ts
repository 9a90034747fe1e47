import type { MessageRow } from '../db/schema.js';
import type { FeedDraft, OutgoingContent } from '../events/feed-message.js';
import type { EventJournal } from '../events/journal.js';
import type { Logger } from '../lib/logger.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { MessagePayload, OutboxEvents } from './types.js';

/** A `/proxy/whatsapp/*\/send/*` call the child accepted: what the gateway saw of it on the way through. */
export interface ProxiedSend {
  readonly phoneNumber: string;
  /** The send route's last part: message, image, file, video, audio, sticker, contact, link, location, poll. */
  readonly route: string;
  /** The recipient JID (the body's `phone`, normalised as the binary does). */
  readonly to: string;
  readonly waMessageId: string;
  readonly content: OutgoingContent;
}

/** What an outbox message contains, for the store: never the upload's path or the idempotency fingerprint. */
export function outboxContent(row: MessageRow): OutgoingContent {
  const p = row.payload as unknown as MessagePayload;
  const file = p.upload ? { fileName: p.upload.fileName, mimeType: p.upload.mimeType, size: p.upload.size } : {};
  if (row.kind === 'text') return { kind: 'message', text: p.message ?? '' };
  if (row.kind === 'image') return { kind: 'image', caption: p.caption, url: p.imageUrl, viewOnce: p.viewOnce, ...file };
  return { kind: 'file', caption: p.caption, url: p.fileUrl, ...file };
}

function statusDraft(row: MessageRow, status: MessageRow['status'], waMessageId: string | null, error: string | null): FeedDraft {
  return {
    source: 'gateway',
    event: 'message.status',
    outbound: true,
    body: { type: 'outgoing', messageId: row.id, status, to: row.recipient, waMessageId, error, via: 'api', content: outboxContent(row) },
  };
}

export function proxiedSendDraft(send: ProxiedSend): FeedDraft {
  return {
    source: 'gateway',
    event: 'message.sent',
    outbound: true,
    body: { type: 'outgoing', messageId: null, status: 'sent', to: send.to, waMessageId: send.waMessageId, error: null, via: 'proxy', content: send.content },
  };
}

/**
 * Each status change of an outbox message that no journaled event caused becomes a journaled `message.status`
 * event (queued, sent, failed, expired): numbered in the number's stream (Socket.IO, webhooks) and written to the
 * conversation store in that event's transaction. `queued` is announced inside the accept's own write, so its
 * event joins the accept's transaction; the others follow the outbox's write in the next turn's transaction.
 * `delivered` and `read` come from the child's `message.ack`, itself journaled: the store moved in that event's
 * transaction (and derived `message.status` with its seq), so they are not announced twice.
 */
export function journalOutboxStatuses(
  events: Listenable<OutboxEvents>,
  journal: Pick<EventJournal, 'append'>,
  deps: {
    /** At once on SQLite; a promise when the outbox is on Postgres. */
    readonly lookup: (id: string) => MessageRow | undefined | Promise<MessageRow | undefined>;
    readonly portOf: (phoneNumber: string) => number | null;
    readonly logger: Logger;
    /** Outbox messages whose last change never reached the journal (a crash in between): announced at once. */
    readonly missed?: () => readonly string[];
  },
): () => void {
  const record = (message: MessageRow, status: MessageRow['status'], waMessageId: string | null, error: string | null): void => {
    const failed = (err: unknown): void => deps.logger.error({ err, phoneNumber: message.phoneNumber, messageId: message.id }, 'could not journal a message status');
    try {
      const draft = statusDraft(message, status, waMessageId ?? message.waMessageId, error);
      journal.append(message.phoneNumber, deps.portOf(message.phoneNumber), draft).catch(failed);
    } catch (err) {
      failed(err);
    }
  };
  const withRow = (id: string, use: (message: MessageRow) => void): void => {
    const found = deps.lookup(id);
    if (!(found instanceof Promise)) {
      if (found) use(found);
      return;
    }
    found.then(
      (message) => message && use(message),
      (err: unknown) => deps.logger.error({ err, messageId: id }, 'could not read a message to journal its status'),
    );
  };
  const off = events.on('status', ({ id, status, waMessageId, error, row }) => {
    if (status === 'delivered' || status === 'read') return;
    if (row) record(row, status, waMessageId, error);
    else withRow(id, (message) => record(message, status, waMessageId, error));
  });
  const missed = deps.missed?.() ?? [];
  for (const id of missed) withRow(id, (message) => record(message, message.status, message.waMessageId, message.error));
  if (missed.length > 0) deps.logger.info({ messages: missed.length }, 'outbox statuses a previous run did not journal were announced');
  return off;
}
