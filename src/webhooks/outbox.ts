import type { DeliveryWrites, NewDelivery } from '../db/ports/deliveries.js';
import type { DeliveryRow } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import type { DurableSubscriber } from '../events/journal.js';
import type { RecordedEvent } from '../events/feed-message.js';
import { outboundEnvelope } from './envelope.js';
import type { WebhookTargets } from './targets.js';

/** What runs after the commit: the dispatcher takes the rows. */
type AfterCommit = (() => void) | void;

/**
 * Plans the outbound deliveries of each event inside the transaction that stores the event, so an event that
 * exists always has its deliveries written (before any attempt); the dispatcher gets the rows after the commit.
 * On SQLite it is the journal's durable subscriber over the synchronous writes; on Postgres `recordIn` takes the
 * writes bound to the batch's transaction.
 */
export class WebhookOutbox implements DurableSubscriber {
  constructor(
    private readonly targets: WebhookTargets,
    /** The writes of the journal's own transaction on SQLite (synchronous). */
    private readonly deliveries: DeliveryWrites<'sync'> | null,
    private readonly added: (rows: readonly DeliveryRow[]) => void,
    private readonly retryPeriodMs: number,
    private readonly clock: Clock,
  ) {}

  onRecord(event: RecordedEvent): AfterCommit {
    if (!this.deliveries) throw new Error('this webhook outbox writes through recordIn(), in the batch transaction');
    const rows = this.plan(event);
    if (rows.length === 0) return;
    const stored = this.deliveries.insert(rows, this.clock.now());
    return () => this.added(stored);
  }

  /** The same through writes that answer with promises (Postgres: bound to the batch's transaction). */
  async recordIn(event: RecordedEvent, writes: DeliveryWrites<'async'>): Promise<AfterCommit> {
    const rows = this.plan(event);
    if (rows.length === 0) return;
    const stored = await writes.insert(rows, this.clock.now());
    return () => this.added(stored);
  }

  /** The deliveries an event makes: one per target that takes its type, all with the same body and event id. */
  plan(event: RecordedEvent): NewDelivery[] {
    if (!event.outbound) return [];
    const targets = this.targets.forEvent(event.phoneNumber, event.message.event);
    if (targets.length === 0) return [];
    const body = JSON.stringify(outboundEnvelope(event));
    const now = this.clock.now();
    return targets.map((t) => ({
      eventId: event.message.eventId,
      phoneNumber: event.phoneNumber,
      endpoint: t.endpoint,
      scope: t.scope,
      eventType: event.message.event,
      body,
      nextAttemptAt: now,
      giveUpAt: now + this.retryPeriodMs,
    }));
  }
}
