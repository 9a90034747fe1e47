import type { RecordedEvent } from '../events/feed-message.js';
import type { DurableSubscriber } from '../events/journal.js';
import type { Logger } from '../lib/logger.js';
import type { AnyOutbox, AppliedReceipt } from './outbox.js';

/** What receipts move: the outbox (its receipt rule, and its announcements of sends). */
export type ReceiptTarget = Pick<AnyOutbox, 'applyReceipt' | 'events'>;

/** `{event: "message.ack", timestamp?, payload: {ids: [...], receipt_type}}` (docs/binary-contract.md §10) → the ids and receipt. */
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

/** How long a receipt for an id no message owns yet is kept: a send whose answer was lost gets its id later. */
const EARLY_RECEIPT_TTL_MS = 10 * 60_000;
const MAX_EARLY_PER_NUMBER = 1000;

interface EarlyReceipt {
  readonly receipt: 'delivered' | 'read';
  readonly at: number;
}

/**
 * Delivery and read receipts: the children's journaled `message.ack` webhooks move sent messages forward, never
 * backwards, in the transaction that stores the event (a journal durable subscriber: a receipt is applied exactly
 * when its event is stored, and costs no commit of its own); the moves are announced after the commit. A receipt
 * can beat the message's own id (a send that timed out is only matched to its WhatsApp id when verified); such
 * receipts wait here and are applied as soon as a message is recorded as sent with that id.
 */
export class ReceiptTracker implements DurableSubscriber {
  private readonly off: (() => void)[];
  private readonly early = new Map<string, Map<string, EarlyReceipt[]>>();

  constructor(
    private readonly outbox: ReceiptTarget,
    private readonly logger: Logger,
  ) {
    this.off = [
      outbox.events.on('status', ({ phoneNumber, status, waMessageId }) => {
        if (status !== 'sent' || !waMessageId) return;
        const waiting = this.early.get(phoneNumber)?.get(waMessageId);
        if (!waiting) return;
        this.early.get(phoneNumber)?.delete(waMessageId);
        for (const r of waiting) settle(this.apply(phoneNumber, [waMessageId], r.receipt, r.at), (applied) => applied?.announce());
      }),
    ];
  }

  onRecord({ phoneNumber, message }: RecordedEvent): (() => void) | void {
    if (message.type !== 'ack') return;
    const ack = parseAck(message.raw);
    if (!ack) return;
    const when = ack.at ?? Date.parse(message.at);
    const applied = this.apply(phoneNumber, ack.ids, ack.receipt, when);
    return () =>
      settle(applied, (done) => {
        done?.announce();
        for (const id of ack.ids) if (!done?.known.has(id)) this.keep(phoneNumber, id, { receipt: ack.receipt, at: when });
      });
  }

  close(): void {
    for (const off of this.off) off();
    this.early.clear();
  }

  /**
   * Apply a receipt (a failure is logged, as null: it must not cost the event that carried it). On SQLite it is
   * written in the event's transaction; on Postgres it runs beside it, and is announced once Postgres has answered.
   */
  private apply(phoneNumber: string, ids: string[], receipt: 'delivered' | 'read', when: number): AppliedReceipt | null | Promise<AppliedReceipt | null> {
    const failed = (err: unknown): null => {
      this.logger.error({ err, phoneNumber }, 'could not record a message receipt');
      return null;
    };
    try {
      const applied = this.outbox.applyReceipt(phoneNumber, ids, receipt, when);
      return applied instanceof Promise ? applied.catch(failed) : applied;
    } catch (err) {
      return failed(err);
    }
  }

  private keep(phoneNumber: string, id: string, receipt: EarlyReceipt): void {
    const byId = this.early.get(phoneNumber) ?? new Map<string, EarlyReceipt[]>();
    this.early.set(phoneNumber, byId);
    byId.set(id, [...(byId.get(id) ?? []), receipt]);
    // Bounded, oldest first: receipts for messages sent from the phone or through the proxy never find an owner.
    const cutoff = receipt.at - EARLY_RECEIPT_TTL_MS;
    for (const [key, list] of byId) {
      if (byId.size <= MAX_EARLY_PER_NUMBER && (list[0]?.at ?? 0) >= cutoff) break;
      byId.delete(key);
    }
  }
}

/** `use` the value now, or once the promise settles (a synchronous store's answers stay free of microtasks). */
function settle<T>(value: T | Promise<T>, use: (value: T) => void): void {
  if (value instanceof Promise) void value.then(use);
  else use(value);
}
