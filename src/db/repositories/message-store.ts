import { announceCommitted } from '../audit-links.js';
import type { Db } from '../client.js';
import type { AuditLink } from '../ports/audit.js';
import type { MessageFilter, MessageStore, NewMessage } from '../ports/messages.js';
import type { MessageRow, MessageStatus } from '../schema.js';
import { appendAuditRows } from './audit-append.js';
import type { MessageRepository } from './messages.js';

/** The outbox port on SQLite, over the synchronous repository the turn writer's transactions use. */
export class SqliteMessageStore implements MessageStore {
  constructor(
    private readonly repo: MessageRepository,
    private readonly db: Db,
  ) {}

  async insertOnce(row: NewMessage, audit?: AuditLink): Promise<{ row: MessageRow; created: boolean }> {
    let ids: number[] = [];
    const result = this.repo.insertOnce(row, audit ? () => void (ids = appendAuditRows(this.db.$client, [audit])) : undefined);
    if (audit && result.created) announceCommitted([audit], ids);
    return result;
  }

  async get(id: string) {
    return this.repo.get(id);
  }

  async list(filter: MessageFilter) {
    return this.repo.list(filter);
  }

  async pendingNumbers() {
    return this.repo.pendingNumbers();
  }

  async pendingIds() {
    return this.repo.pendingIds();
  }

  async clearRetryTimes(phoneNumber: string, statuses: readonly MessageStatus[]) {
    return this.repo.clearRetryTimes(phoneNumber, statuses);
  }

  async deleteForNumber(phoneNumber: string) {
    return this.repo.deleteForNumber(phoneNumber);
  }

  async countsByStatus() {
    return this.repo.countsByStatus();
  }

  async depth(phoneNumber: string) {
    return this.repo.depth(phoneNumber);
  }

  async nextPending(phoneNumber: string, exclude: readonly string[]) {
    return this.repo.nextPending(phoneNumber, exclude);
  }

  async markSending(id: string, now: number) {
    return this.repo.markSending(id, now);
  }

  async markSent(id: string, waMessageId: string, sentAt: number) {
    return this.repo.markSent(id, waMessageId, sentAt);
  }

  async markFailed(id: string, error: string, now: number) {
    return this.repo.markFailed(id, error, now);
  }

  async requeue(id: string, patch: { nextAttemptAt: number | null; error: string; uncount: boolean }, now: number) {
    return this.repo.requeue(id, patch, now);
  }

  async keepUnknown(id: string, patch: { nextAttemptAt: number | null; error: string }) {
    return this.repo.keepUnknown(id, patch);
  }

  async expire(id: string, now: number) {
    return this.repo.expire(id, now);
  }

  async expireDue(now: number) {
    return this.repo.expireDue(now);
  }

  async failUnregistered(now: number) {
    return this.repo.failUnregistered(now);
  }

  async knownWaIds(phoneNumber: string, waIds: readonly string[]) {
    return this.repo.knownWaIds(phoneNumber, waIds);
  }

  async applyReceipt(phoneNumber: string, waIds: readonly string[], receipt: 'delivered' | 'read', at: number) {
    return this.repo.applyReceipt(phoneNumber, waIds, receipt, at);
  }
}
