import type { DeliveryFilter, EndpointCounts } from '../db/ports/deliveries.js';
import type { DeliveryScope } from '../db/schema.js';

export interface EndpointHealth {
  readonly endpoint: string;
  readonly scope: DeliveryScope;
  /** Not delivered yet (incl. retrying). */
  readonly pending: number;
  /** Pending deliveries that failed at least once. */
  readonly retrying: number;
  /** Gave up after the retry period; see GET /api/webhooks/deliveries?status=dead, replay to resend. */
  readonly dead: number;
  readonly inFlight: number;
  readonly oldestPendingAt: string | null;
}

export interface WebhookHealth {
  readonly status: 'ok' | 'degraded';
  readonly endpoints: EndpointHealth[];
  readonly totals: { readonly pending: number; readonly retrying: number; readonly dead: number };
}

/** No endpoint, nothing waiting: what is reported before the first read of a shared backlog. */
export const NO_WEBHOOK_BACKLOG: WebhookHealth = { status: 'ok', endpoints: [], totals: { pending: 0, retrying: 0, dead: 0 } };

/** Which counts a health report reads: `phones` = a tenant's numbers (their own webhooks only); undefined = all. */
export function healthFilter(phones?: readonly string[]): Pick<DeliveryFilter, 'phones' | 'scope'> {
  return phones === undefined ? {} : { phones, scope: 'device' };
}

/** Per-endpoint delivery backlog from the table's counts and the attempts in flight here. */
export function webhookHealth(counts: readonly EndpointCounts[], inFlightFor: (endpoint: string) => number): WebhookHealth {
  const endpoints = counts.map((c) => ({
    endpoint: c.endpoint,
    scope: c.scope,
    pending: c.pending,
    retrying: c.retrying,
    dead: c.dead,
    inFlight: inFlightFor(c.endpoint),
    oldestPendingAt: c.oldestPendingAt === null ? null : new Date(c.oldestPendingAt).toISOString(),
  }));
  const totals = endpoints.reduce((t, e) => ({ pending: t.pending + e.pending, retrying: t.retrying + e.retrying, dead: t.dead + e.dead }), { pending: 0, retrying: 0, dead: 0 });
  return { status: totals.retrying > 0 || totals.dead > 0 ? 'degraded' : 'ok', endpoints, totals };
}
