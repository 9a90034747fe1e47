import type { DatabaseHandle } from '../db/client.js';
import { DeliveryRepository } from '../db/repositories/deliveries.js';
import type { DeviceReader } from '../db/ports/devices.js';
import type { TurnWriter } from '../db/turn-writer.js';
import type { DurableSubscriber } from '../events/journal.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { WebhookDispatcher, type DispatcherSettings } from './dispatcher.js';
import { webhookHealth, type WebhookHealth } from './health.js';
import { WebhookOutbox } from './outbox.js';
import { WebhookTargets, type GlobalWebhook, type ScopeSigner } from './targets.js';

export interface WebhookSettings extends DispatcherSettings {
  /** WEBHOOK_URL / WEBHOOK_SECRET / WEBHOOK_EVENTS. */
  readonly global: GlobalWebhook;
  /** WEBHOOK_HISTORY_RETENTION: how long delivered and dead deliveries are kept. */
  readonly historyRetentionMs: number;
}

export interface WebhookServiceDeps {
  readonly database: DatabaseHandle;
  readonly writer: TurnWriter;
  readonly devices: DeviceReader;
  /** Whether a user is an administrator (whose numbers' webhooks may point inside the network). */
  readonly isAdmin: (userId: number) => boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: WebhookSettings;
}

/**
 * Outbound webhooks: `subscriber` plans each event's deliveries inside the journal's transaction, the dispatcher
 * delivers them (ordered per number and endpoint, retried, dead-lettered), and the repository keeps the log.
 */
export class WebhookService {
  readonly deliveries: DeliveryRepository;
  readonly dispatcher: WebhookDispatcher;
  /** For the event pipeline: writes each event's deliveries in the event's own transaction. */
  readonly subscriber: DurableSubscriber;
  private readonly targets: WebhookTargets;

  constructor(private readonly deps: WebhookServiceDeps) {
    const { database, settings, clock, logger } = deps;
    this.deliveries = new DeliveryRepository(database.db);
    this.targets = new WebhookTargets(deps.devices, settings.global, deps.isAdmin);
    const { targets } = this;
    this.dispatcher = new WebhookDispatcher(this.deliveries, deps.writer, targets, settings, clock, logger.child({ component: 'webhooks' }));
    this.subscriber = new WebhookOutbox(targets, this.deliveries, (rows) => this.dispatcher.added(rows), settings.policy.periodMs, clock);
  }

  /**
   * Another component plans deliveries of its own (its bodies, its endpoints) into this outbox under `scope`; the
   * dispatcher delivers them like any other (ordered, retried, dead-lettered, replayable) and signs them with
   * `signer`. The component inserts them with `deliveries.insert` and hands the rows to `dispatcher.added` once
   * they are committed (or wakes their lanes with `dispatcher.wake`).
   */
  addScope(scope: Parameters<WebhookTargets['addScope']>[0], signer: ScopeSigner): void {
    this.targets.addScope(scope, signer);
  }

  /** Resume the deliveries a previous run left. */
  start(): void {
    this.dispatcher.start();
  }

  /** Per-endpoint backlog; `phones` limits it to a tenant's numbers. */
  health(phones?: readonly string[]): WebhookHealth {
    return webhookHealth(this.deliveries, this.dispatcher, phones);
  }

  /**
   * A pending number bound to its phone: its deliveries moved to the new key in the rename's transaction, and the
   * dispatcher's lanes follow them (an attempt in flight included, so no row is sent twice); then every lane with
   * work is woken, which reads them again.
   */
  renamed(from: string, to: string): void {
    this.dispatcher.renamed(from, to);
    this.dispatcher.start();
  }

  /** The number was unregistered: its deliveries must not reach whoever registers it next. */
  forget(phoneNumber: string): void {
    this.deliveries.deleteForNumber(phoneNumber);
    this.dispatcher.forget(phoneNumber);
  }

  /** Forget delivered and dead deliveries past WEBHOOK_HISTORY_RETENTION; returns how many went. */
  prune(): number {
    return this.deliveries.prune(this.deps.clock.now() - this.deps.settings.historyRetentionMs);
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
