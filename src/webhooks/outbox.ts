import type { DeliveryRepository } from '../db/repositories/deliveries.js';
import type { DeliveryRow } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import type { DurableSubscriber } from '../events/journal.js';
import type { RecordedEvent } from '../events/feed-message.js';
import { outboundEnvelope } from './envelope.js';
import type { WebhookTargets } from './targets.js';

/**
 * Plans the outbound deliveries of each event inside the transaction that stores the event, so an event that
 * exists always has its deliveries written (before any attempt); the dispatcher gets the rows after the commit.
 */
export class WebhookOutbox implements DurableSubscriber {
  constructor(
    private readonly targets: WebhookTargets,
    private readonly deliveries: DeliveryRepository,
    private readonly added: (rows: readonly DeliveryRow[]) => void,
    private readonly retryPeriodMs: number,
    private readonly clock: Clock,
  ) {}

  onRecord(event: RecordedEvent): (() => void) | void {
    if (!event.outbound) return;
    const targets = this.targets.forEvent(event.phoneNumber, event.message.event);
    if (targets.length === 0) return;
    const body = JSON.stringify(outboundEnvelope(event));
    const now = this.clock.now();
    const rows = this.deliveries.insert(
      targets.map((t) => ({
        eventId: event.message.eventId,
        phoneNumber: event.phoneNumber,
        endpoint: t.endpoint,
        scope: t.scope,
        eventType: event.message.event,
        body,
        nextAttemptAt: now,
        giveUpAt: now + this.retryPeriodMs,
      })),
      now,
    );
    return () => this.added(rows);
  }
}
