import { announceCommitted } from '../audit-links.js';
import type { Db } from '../client.js';
import type { OutboxStore } from '../ports/outbox.js';
import type { TurnWriter } from '../turn-writer.js';
import { appendAuditRows } from './audit-append.js';
import type { MessageRepository } from './messages.js';
import { sqliteMessageStore } from './sqlite-ports.js';

/**
 * The outbox on SQLite: the synchronous repository the send path has always called, with accepts, claims and sends
 * in the turn's transaction (one commit per event-loop turn, not one per write).
 */
export function sqliteOutboxStore(repo: MessageRepository, writer: TurnWriter, db: Db): OutboxStore<'sync'> {
  return {
    mode: 'sync',
    messages: sqliteMessageStore(repo, db),
    insertOnce: (row, audit, created) =>
      writer.write(() => {
        let ids: number[] = [];
        const result = repo.insertOnce(row, audit ? () => void (ids = appendAuditRows(db.$client, [audit])) : undefined);
        if (result.created) {
          if (audit) announceCommitted([audit], ids);
          created(result.row);
        }
        return result;
      }),
    get: (id) => repo.get(id),
    list: (filter) => repo.list(filter),
    depth: (phoneNumber) => repo.depth(phoneNumber),
    nextPending: (phoneNumber, exclude) => repo.nextPending(phoneNumber, exclude),
    knownWaIds: (phoneNumber, waIds) => repo.knownWaIds(phoneNumber, waIds),
    applyReceipt: (phoneNumber, waIds, receipt, at) => repo.applyReceipt(phoneNumber, waIds, receipt, at),
    markSending: (_phoneNumber, id, now) => writer.write(() => repo.markSending(id, now)),
    markSent: (_phoneNumber, id, waMessageId, sentAt) => writer.write(() => repo.markSent(id, waMessageId, sentAt)),
    markFailed: (_phoneNumber, id, error, now) => repo.markFailed(id, error, now),
    requeue: (_phoneNumber, id, patch, now) => repo.requeue(id, patch, now),
    keepUnknown: (_phoneNumber, id, patch) => repo.keepUnknown(id, patch),
    expire: (_phoneNumber, id, now) => repo.expire(id, now),
  };
}
