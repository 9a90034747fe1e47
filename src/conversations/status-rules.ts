import type { StoredMessageRow, StoredStatus } from '../db/schema.js';

/** Forward order of an outgoing message; `failed` and `expired` end it before it was sent. */
const RANK: Record<StoredStatus, number> = { received: -1, queued: 0, sending: 1, sent: 2, delivered: 3, read: 4, failed: 5, expired: 5 };

/**
 * The columns a status change sets, or nothing when it would move the message backwards: sent → delivered →
 * read, never back; failed / expired only before it was sent; the receipt times are kept once known.
 */
export function advanceStatus(row: Pick<StoredMessageRow, 'status' | 'sentAt' | 'deliveredAt' | 'readAt'>, to: StoredStatus, at: number): Partial<StoredMessageRow> {
  const from = row.status;
  if (from === to || from === 'received' || to === 'received') return {};
  if (from === 'failed' || from === 'expired') return {};
  if (to === 'failed' || to === 'expired') return RANK[from] < RANK.sent ? { status: to } : {};
  if (RANK[to] <= RANK[from]) return {};
  const patch: Partial<StoredMessageRow> = { status: to };
  if (RANK[to] >= RANK.sent && row.sentAt === null) patch.sentAt = at;
  if (RANK[to] >= RANK.delivered && row.deliveredAt === null) patch.deliveredAt = at;
  if (to === 'read' && row.readAt === null) patch.readAt = at;
  return patch;
}
