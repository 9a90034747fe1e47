import type { MessageRepository } from '../db/repositories/messages.js';
import type { Logger } from '../lib/logger.js';
import type { TypedEmitter } from '../lib/typed-emitter.js';
import type { ChildFeedEvents } from '../realtime/types.js';
import type { OutboxEvents } from './types.js';

/** `{event: "message.ack", timestamp?, payload: {ids: [...], receipt_type}}` (contract §10) → the ids and receipt. */
export function parseAck(body: Record<string, unknown>): { ids: string[]; receipt: 'delivered' | 'read'; at: number | null } | null {
  const payload = body['payload'];
  if (typeof payload !== 'object' || payload === null) return null;
  const { ids, receipt_type: type } = payload as { ids?: unknown; receipt_type?: unknown };
  // `read-self` is the number reading on another of its own devices: not a receipt for what we sent.
  if (type !== 'delivered' && type !== 'read') return null;
  if (!Array.isArray(ids)) return null;
  const clean = ids.filter((id): id is string => typeof id === 'string' && id.length > 0 && id.length <= 200);
  if (clean.length === 0) return null;
  const stamp = typeof body['timestamp'] === 'string' ? Date.parse(body['timestamp']) : NaN;
  return { ids: clean, receipt: type, at: Number.isFinite(stamp) ? stamp : null };
}

/**
 * Delivery and read receipts: the children's verified `message.ack` webhooks (re-emitted on the feed stream by
 * the webhook receiver) move sent messages forward, never backwards.
 */
export class ReceiptTracker {
  private readonly off: () => void;

  constructor(
    feed: TypedEmitter<ChildFeedEvents>,
    private readonly repo: MessageRepository,
    private readonly events: TypedEmitter<OutboxEvents>,
    private readonly logger: Logger,
  ) {
    this.off = feed.on('webhook', ({ phoneNumber, event, body, at }) => {
      if (event !== 'message.ack') return;
      const ack = parseAck(body);
      if (!ack) return;
      try {
        for (const row of this.repo.applyReceipt(phoneNumber, ack.ids, ack.receipt, ack.at ?? at)) {
          this.events.emit('status', { id: row.id, phoneNumber, status: row.status, waMessageId: row.waMessageId, error: row.error, at });
        }
      } catch (err) {
        this.logger.error({ err, phoneNumber }, 'could not record a message receipt');
      }
    });
  }

  close(): void {
    this.off();
  }
}
