/**
 * Sends events out like `WebhookJob`: every target gets its own POST, all at once and unordered, **one
 * attempt** each, never retried. A failed API-inbox delivery of message_created/updated marks the message
 * `failed` with the error (which announces a further message_updated). Test knobs: duplicate copies, and
 * holding deliveries back to release them later in a chosen order.
 */
import { createHmac } from 'node:crypto';
import type { KnobStore } from '../config/knobs.js';
import type { Features } from '../domain/version.js';
import { railsJson } from '../lib/rails-json.js';
import { isoTime, type Clock } from '../lib/time.js';
import { uuid } from '../lib/tokens.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';
import type { DeliveryLog, DeliveryRecord } from './delivery-log.js';
import type { DomainEvent, Tx } from './domain-event.js';
import { postOnce } from './poster.js';
import { privateAddressRefusal } from './safe-fetch.js';
import { targetsFor, type Target } from './targets.js';

interface Pending {
  readonly event: DomainEvent;
  readonly target: Target;
  readonly body: Buffer;
  readonly deliveryId: string | null;
  readonly copy: number;
}

export interface DispatcherDeps {
  readonly store: Store;
  readonly features: Features;
  readonly knobs: KnobStore;
  readonly log: DeliveryLog;
  readonly logger: Logger;
  readonly now: Clock;
  /** `Webhooks::Trigger#handle_error`: returns the events the failed mark causes (already persisted). */
  readonly onFailed: (accountId: number, messageId: number, error: string) => Tx;
}

const FAILURE_EVENTS = new Set(['message_created', 'message_updated']);

export class Dispatcher {
  private held: Pending[] | null = null;
  private inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: DispatcherDeps) {}

  /** Delivers every event to every target; resolves when all attempts ended (held ones: at once, with nothing). */
  deliver(events: readonly DomainEvent[]): Promise<DeliveryRecord[]> {
    const pending = events.flatMap((event) => this.expand(event));
    if (pending.length === 0) return Promise.resolve([]);
    if (this.held) {
      this.held.push(...pending);
      return Promise.resolve([]);
    }
    return this.track(Promise.all(pending.map((p) => this.send(p))));
  }

  hold(): void {
    this.held ??= [];
  }

  get heldCount(): number {
    return this.held?.length ?? 0;
  }

  /** Stops holding and sends what was held, one after the other, oldest first or newest first. */
  async release(order: 'fifo' | 'lifo'): Promise<DeliveryRecord[]> {
    const queue = this.held ?? [];
    this.held = null;
    if (order === 'lifo') queue.reverse();
    const records: DeliveryRecord[] = [];
    for (const pending of queue) records.push(await this.track(this.send(pending)));
    return records;
  }

  /** Drops held deliveries (reset). In-flight attempts finish on their own. */
  reset(): void {
    this.held = null;
  }

  /** For shutdown: waits for the attempts under way. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private expand(event: DomainEvent): Pending[] {
    const { knobs, features, store } = this.deps;
    const body = Buffer.from(railsJson(event.payload), 'utf8');
    const copies = 1 + knobs.current.webhook_duplicates;
    return targetsFor(store, features, event).flatMap((target) => {
      const first = features.accountWebhookSigning ? uuid() : null;
      return Array.from({ length: copies }, (_, copy) => ({
        event,
        target,
        body,
        deliveryId: copy === 0 || knobs.current.webhook_duplicate_same_delivery_id || first === null ? first : uuid(),
        copy,
      }));
    });
  }

  private async send(pending: Pending): Promise<DeliveryRecord> {
    const { features, knobs, log, now } = this.deps;
    const { event, target, body } = pending;
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (pending.deliveryId) headers['X-Chatwoot-Delivery'] = pending.deliveryId;
    if (target.secret !== null) {
      const timestamp = String(Math.floor(now() / 1000));
      const signature = createHmac('sha256', target.secret).update(`${timestamp}.`).update(body).digest('hex');
      headers['X-Chatwoot-Timestamp'] = timestamp;
      headers['X-Chatwoot-Signature'] = `sha256=${signature}`;
    }
    const record = log.add({
      delivery_id: pending.deliveryId,
      event: event.name,
      kind: target.kind,
      url: target.url,
      account_id: event.accountId,
      inbox_id: event.inboxId,
      message_id: event.messageId,
      webhook_id: target.webhookId,
      signed: target.secret !== null,
      copy: pending.copy,
      headers,
      body: body.toString('utf8'),
      started_at: isoTime(now()),
      finished_at: null,
      status: null,
      error: null,
    });
    const blocked = features.safeFetch && !(features.privateNetworkSwitch && knobs.current.allow_private_network)
      ? await privateAddressRefusal(hostOf(target.url))
      : undefined;
    const outcome = blocked ? { ok: false as const, status: null, error: blocked } : await postOnce(target.url, body, headers, knobs.current.webhook_timeout_ms);
    record.finished_at = isoTime(now());
    record.status = outcome.status;
    if (!outcome.ok) {
      record.error = outcome.error;
      this.deps.logger.warn(`Exception: Invalid webhook URL ${target.url} : ${outcome.error}`);
      if (target.kind === 'api_inbox' && FAILURE_EVENTS.has(event.name) && event.messageId !== null) {
        const tx = this.deps.onFailed(event.accountId, event.messageId, outcome.error);
        void this.deliver(tx.events);
      }
    }
    return record;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
    return promise;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
