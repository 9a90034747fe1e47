import crypto from 'node:crypto';
import type { Mode } from '../../db/ports/answer.js';
import type { DeliveryWrites, NewDelivery } from '../../db/ports/deliveries.js';
import type { CompatTenantRow, DeliveryRow } from '../../db/schema.js';
import type { MessageView } from '../../conversations/views.js';
import type { RecordedEvent } from '../../events/feed-message.js';
import type { DurableSubscriber } from '../../events/journal.js';
import type { Clock } from '../../lib/clock.js';
import type { Signer } from '../../webhooks/targets.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';
import { flaskBodyOf, type FlaskOptions } from './flask-body.js';

/** The path the legacy server posted to on Flask (`{FLASK_URL}/webhook/whatsapp`). */
export const FLASK_WEBHOOK_PATH = '/webhook/whatsapp';

export interface FlaskWebhookSettings {
  /** FLASK_URL: the base for tenants that give none of their own; null = only tenants with their own URL. */
  readonly flaskUrl: string | null;
  /** FLASK_WEBHOOK_SECRET (X-Hub-Signature-256); null = unsigned. */
  readonly secret: string | null;
  readonly options: FlaskOptions;
  /** WEBHOOK_RETRY_PERIOD: how long a delivery is retried before it is dead-lettered. */
  readonly retryPeriodMs: number;
}

export interface FlaskWebhookDeps {
  /** Read for every stored message, inside the journal's transaction: memory only. */
  readonly tenants: Pick<TenantDirectory, 'byNumber'>;
  /** The webhook service's writes: synchronous on one host (inside the journal's transaction), else async. */
  readonly deliveries: DeliveryWrites<Mode>;
  /** The dispatcher takes the rows once they are committed. */
  readonly added: (rows: readonly DeliveryRow[]) => void;
  /** Whether the number's owner is an administrator (a tenant's own Flask URL of anyone else must be public). */
  readonly ownerIsAdmin: (phoneNumber: string) => boolean;
  /** The gateway's address as Flask reaches it (the base of `media_url`). */
  readonly publicBase: () => string;
  readonly clock: Clock;
  readonly settings: FlaskWebhookSettings;
}

/** The relay `POST /webhook` fields the legacy server passed on to Flask, in its order. */
const RELAY_FIELDS = ['phone', 'message', 'message_type', 'media_url', 'media_filename', 'profile_name', 'profile_picture'] as const;

/**
 * The Flask webhook through the gateway's durable webhook outbox (scope `compat`): a subscriber of the event
 * pipeline that runs after the conversation store, inside the event's transaction, and turns each message the
 * store took for the first time (`message.new`: retries, replays and backfills of the same WhatsApp message never
 * add one) into one delivery of the legacy body. The dispatcher then delivers it like every webhook: in order per
 * number, retried with backoff, dead-lettered after WEBHOOK_RETRY_PERIOD, replayable; signed (X-Hub-Signature-256,
 * X-Event-Id), which Flask may ignore. In distributed mode `plan` runs in the Postgres journal's batch instead
 * (src/webhooks/journal-batch.ts) and this is not a subscriber of the local journal.
 */
export class FlaskWebhooks implements DurableSubscriber {
  constructor(private readonly deps: FlaskWebhookDeps) {}

  onRecord(event: RecordedEvent): (() => void) | void {
    const rows = this.plan(event);
    if (rows.length === 0) return;
    const stored = this.deps.deliveries.insert(rows, this.deps.clock.now());
    if (stored instanceof Promise) throw new Error('these Flask webhooks are planned in the journal batch (plan), not recorded here');
    return () => this.deps.added(stored);
  }

  /** The deliveries an event makes: one per message the store took for the first time, to the tenant's Flask. */
  plan(event: RecordedEvent): NewDelivery[] {
    if (!event.derived.some((d) => d.name === 'message.new')) return [];
    const tenant = this.deps.tenants.byNumber(event.phoneNumber);
    const endpoint = tenant ? this.endpointOf(tenant) : null;
    if (!tenant || !endpoint) return [];
    const bodies = event.derived
      .filter((d) => d.name === 'message.new')
      .map((d) => flaskBodyOf(d.data['message'] as MessageView, tenant, this.deps.settings.options, (id) => `${this.deps.publicBase()}/api/messages/${encodeURIComponent(id)}/media`))
      .filter((body) => body !== null);
    const eventId = event.message.eventId;
    return this.rows(
      tenant.phoneNumber,
      endpoint,
      bodies.map((body, i) => ({ eventId: i === 0 ? eventId : `${eventId}:${i}`, body: JSON.stringify(body) })),
    );
  }

  /**
   * The legacy relay (`POST /webhook`): the caller's fields passed on to the tenant's Flask as they came,
   * `empresa_id` with whatever JSON type it had. Stored before the answer (a promise on Postgres); delivered like
   * every Flask webhook.
   */
  relay(tenant: CompatTenantRow, input: Record<string, unknown>, empresaId: unknown): { eventId: string } | Promise<{ eventId: string }> | null {
    const endpoint = this.endpointOf(tenant);
    if (!endpoint) return null;
    const body: Record<string, unknown> = {};
    for (const field of RELAY_FIELDS) if (input[field] !== undefined) body[field] = input[field];
    body['message_type'] ??= 'texto';
    body['empresa_id'] = empresaId;
    const eventId = crypto.randomUUID();
    const stored = this.deps.deliveries.insert(this.rows(tenant.phoneNumber, endpoint, [{ eventId, body: JSON.stringify(body) }]), this.deps.clock.now());
    if (stored instanceof Promise) {
      return stored.then((rows) => {
        this.deps.added(rows);
        return { eventId };
      });
    }
    this.deps.added(stored);
    return { eventId };
  }

  /** Where a tenant's webhooks go: its own Flask, else FLASK_URL; null = nowhere. */
  endpointOf(tenant: Pick<CompatTenantRow, 'flaskUrl'>): string | null {
    const base = tenant.flaskUrl ?? this.deps.settings.flaskUrl;
    return base ? `${base.replace(/\/+$/, '')}${FLASK_WEBHOOK_PATH}` : null;
  }

  /** For the dispatcher, at each attempt: null once the tenant is gone (its deliveries are dead-lettered). */
  signer(phoneNumber: string): Signer | null {
    const tenant = this.deps.tenants.byNumber(phoneNumber);
    if (!tenant) return null;
    return { secret: this.deps.settings.secret, outwardOnly: tenant.flaskUrl !== null && !this.deps.ownerIsAdmin(phoneNumber) };
  }

  private rows(phoneNumber: string, endpoint: string, items: readonly { eventId: string; body: string }[]): NewDelivery[] {
    const now = this.deps.clock.now();
    // The legacy body has no `type`: the delivery's event type (X-Event-Type) stays empty, as it always was.
    return items.map(({ eventId, body }) => ({ eventId, phoneNumber, endpoint, scope: 'compat', eventType: '', body, nextAttemptAt: now, giveUpAt: now + this.deps.settings.retryPeriodMs }));
  }
}
