import type { Answer, Mode } from '../db/ports/answer.js';
import type { AuditLink } from '../db/ports/audit.js';
import type { DeliveryStore, DeliveryWrites } from '../db/ports/deliveries.js';
import type { DeviceReader } from '../db/ports/devices.js';
import type { DeliveryRow } from '../db/schema.js';
import type { DurableSubscriber } from '../events/journal.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { singleHostGate, type DispatchGate, type OwnershipFollower } from './dispatch-gate.js';
import { WebhookDispatcher, type DispatcherSettings } from './dispatcher.js';
import { healthFilter, webhookHealth, type WebhookHealth } from './health.js';
import { WebhookOutbox } from './outbox.js';
import type { PostFn } from './post.js';
import type { WebhookStorage } from './storage.js';
import { WebhookTargets, type GlobalWebhook, type ScopeSigner } from './targets.js';

export interface WebhookSettings extends DispatcherSettings {
  /** WEBHOOK_URL / WEBHOOK_SECRET / WEBHOOK_EVENTS. */
  readonly global: GlobalWebhook;
  /** WEBHOOK_HISTORY_RETENTION: how long delivered and dead deliveries are kept. */
  readonly historyRetentionMs: number;
}

export interface WebhookServiceDeps<M extends Mode> {
  /** `sqliteWebhookStorage` on one host, `pgWebhookStorage` in distributed mode (./storage.ts). */
  readonly storage: WebhookStorage<M>;
  /** The numbers' rows (webhook, secret, owner), read at every event and attempt. */
  readonly devices: Pick<DeviceReader, 'get'>;
  /** Whether a user is an administrator (whose numbers' webhooks may point inside the network). */
  readonly isAdmin: (userId: number) => boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: WebhookSettings;
  /** Which numbers this node sends (DM-23); one host: all of them. */
  readonly gate?: DispatchGate;
  readonly post?: PostFn;
}

/**
 * Outbound webhooks: `subscriber` plans each event's deliveries inside the journal's transaction, the dispatcher
 * delivers them (ordered per number and endpoint, retried, dead-lettered; only the numbers the gate gives this
 * node), and the store keeps the log. `M`: how the per-event side answers (see ./storage.ts).
 */
export class WebhookService<M extends Mode = 'sync'> implements OwnershipFollower {
  /** Where other components write deliveries of their own scope (see `addScope`). */
  readonly deliveries: DeliveryWrites<M>;
  readonly store: DeliveryStore;
  readonly dispatcher: WebhookDispatcher;
  readonly outbox: WebhookOutbox;
  /** For the event pipeline (SQLite): writes each event's deliveries in the event's own transaction. */
  readonly subscriber: DurableSubscriber;
  private readonly targets: WebhookTargets;
  private readonly gate: DispatchGate;
  private readonly logger: Logger;
  private poll: NodeJS.Timeout | null = null;

  constructor(private readonly deps: WebhookServiceDeps<M>) {
    const { storage, settings, clock } = deps;
    this.gate = deps.gate ?? singleHostGate;
    this.logger = deps.logger.child({ component: 'webhooks' });
    this.deliveries = storage.writes;
    this.store = storage.store;
    this.targets = new WebhookTargets(deps.devices, settings.global, deps.isAdmin);
    this.dispatcher = new WebhookDispatcher(storage, this.targets, settings, clock, this.logger, deps.post, this.gate);
    const syncWrites = storage.mode === 'sync' ? (storage.writes as DeliveryWrites<'sync'>) : null;
    this.outbox = new WebhookOutbox(this.targets, syncWrites, (rows) => this.dispatcher.added(rows), settings.policy.periodMs, clock);
    this.subscriber = this.outbox;
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

  /** Resume the deliveries a previous run left; with a polling gate, look for rows written elsewhere from then on. */
  start(): void {
    this.resume();
    if (this.gate.pollMs > 0 && !this.poll) {
      this.poll = setInterval(() => this.resume(), this.gate.pollMs);
      this.poll.unref();
    }
  }

  /** This node took the number over (distributed mode): send its open deliveries, from the oldest not acknowledged. */
  acquired(phoneNumber: string): void {
    this.dispatcher.acquired(phoneNumber).catch((err: unknown) => this.logger.error({ err, phoneNumber }, 'webhook lanes of a number taken over could not be read'));
  }

  /** The number is no longer this node's: nothing more of it is sent from here. */
  lost(phoneNumber: string): void {
    this.dispatcher.lost(phoneNumber);
  }

  /** Per-endpoint backlog; `phones` limits it to a tenant's numbers. Synchronous on SQLite (health contributors). */
  health(phones?: readonly string[]): Answer<M, WebhookHealth> {
    const counts = this.deps.storage.backlog(healthFilter(phones));
    const inFlight = (endpoint: string) => this.dispatcher.inFlightFor(endpoint);
    if (counts instanceof Promise) return counts.then((c) => webhookHealth(c, inFlight)) as Answer<M, WebhookHealth>;
    return webhookHealth(counts as Awaited<typeof counts>, inFlight) as Answer<M, WebhookHealth>;
  }

  /** Send a delivery again (see the dispatcher); `audit` commits with the change. */
  replay(id: number, audit?: AuditLink): Promise<DeliveryRow> {
    return this.dispatcher.replay(id, audit);
  }

  /**
   * A pending number bound to its phone: its deliveries moved to the new key in the rename's transaction, and the
   * dispatcher's lanes follow them (an attempt in flight included, so no row is sent twice); then every lane with
   * work is woken, which reads them again.
   */
  renamed(from: string, to: string): void {
    this.dispatcher.renamed(from, to);
    this.resume();
  }

  /** The number was unregistered: its deliveries must not reach whoever registers it next. */
  async forget(phoneNumber: string): Promise<void> {
    // Before and after the delete: nothing read ahead may go out, and nothing read while it ran either.
    this.dispatcher.forget(phoneNumber);
    try {
      await this.store.deleteForNumber(phoneNumber);
    } catch (err) {
      this.logger.error({ err, phoneNumber }, 'webhook deliveries of an unregistered number could not be deleted');
    }
    this.dispatcher.forget(phoneNumber);
  }

  /** Forget delivered and dead deliveries past WEBHOOK_HISTORY_RETENTION; returns how many went. */
  prune(): Promise<number> {
    return this.store.prune(this.deps.clock.now() - this.deps.settings.historyRetentionMs);
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    await this.dispatcher.close();
  }

  private resume(): void {
    this.dispatcher.start().catch((err: unknown) => this.logger.error({ err }, 'open webhook lanes could not be read'));
  }
}
