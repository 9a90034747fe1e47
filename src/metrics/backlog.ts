import { Gauge, type Registry } from 'prom-client';
import type { MessageStatus } from '../db/schema.js';
import type { HealthContributor } from '../health/health-service.js';
import { safeUrl } from '../lib/safe-url.js';
import type { WebhookHealth } from '../webhooks/health.js';
import type { OutboxCounts } from './outbox-counts.js';
import type { MetricsContributor } from './registry.js';

const REACHED: readonly MessageStatus[] = ['sent', 'delivered', 'read'];

/** Share of sent messages that reached the phone (delivered or read); null before anything was sent. */
export function deliveryRate(counts: Partial<Record<MessageStatus, number>>): number | null {
  const sent = REACHED.reduce((n, s) => n + (counts[s] ?? 0), 0);
  return sent === 0 ? null : ((counts.delivered ?? 0) + (counts.read ?? 0)) / sent;
}

function byNumber(messages: Pick<OutboxCounts, 'countsByStatus'>): Map<string, Partial<Record<MessageStatus, number>>> {
  const result = new Map<string, Partial<Record<MessageStatus, number>>>();
  for (const { phoneNumber, status, n } of messages.countsByStatus()) {
    const counts = result.get(phoneNumber) ?? {};
    counts[status] = n;
    result.set(phoneNumber, counts);
  }
  return result;
}

/** Outbox figures: messages per number and status, and the delivery rate operators watch. */
export function messageMetrics(messages: Pick<OutboxCounts, 'countsByStatus'>): MetricsContributor & HealthContributor {
  return {
    name: 'messages',
    register(registry: Registry) {
      new Gauge({
        name: 'wa_messages',
        help: 'Messages in the durable outbox by number and status (sent/failed/…); survives restarts',
        labelNames: ['phone', 'status'],
        registers: [registry],
        collect() {
          this.reset();
          for (const { phoneNumber, status, n } of messages.countsByStatus()) this.set({ phone: phoneNumber, status }, n);
        },
      });
      new Gauge({
        name: 'wa_delivery_rate',
        help: 'Share of sent messages delivered or read, per number',
        labelNames: ['phone'],
        registers: [registry],
        collect() {
          this.reset();
          for (const [phone, counts] of byNumber(messages)) {
            const rate = deliveryRate(counts);
            if (rate !== null) this.set({ phone }, rate);
          }
        },
      });
    },
    report() {
      const totals: Partial<Record<MessageStatus, number>> = {};
      for (const counts of byNumber(messages).values()) {
        for (const [status, n] of Object.entries(counts) as [MessageStatus, number][]) totals[status] = (totals[status] ?? 0) + n;
      }
      return { figures: { byStatus: totals, pending: (totals.queued ?? 0) + (totals.sending ?? 0), deliveryRate: deliveryRate(totals) }, problems: [] };
    },
  };
}

/** Webhook backlog per endpoint; dead letters make the gateway unhealthy until someone replays them. */
export function webhookMetrics(health: () => WebhookHealth): MetricsContributor & HealthContributor {
  return {
    name: 'webhooks',
    register(registry: Registry) {
      new Gauge({
        name: 'wa_webhook_backlog',
        help: 'Outbound webhook deliveries not yet delivered, by endpoint and state',
        labelNames: ['endpoint', 'state'],
        registers: [registry],
        collect() {
          this.reset();
          for (const e of health().endpoints) {
            // Scrapers and dashboards see endpoints without credentials or query strings (they may carry tokens).
            const endpoint = safeUrl(e.endpoint);
            this.inc({ endpoint, state: 'pending' }, e.pending);
            this.inc({ endpoint, state: 'retrying' }, e.retrying);
            this.inc({ endpoint, state: 'dead' }, e.dead);
          }
        },
      });
    },
    report() {
      const figures = health();
      const problems = figures.endpoints.filter((e) => e.dead > 0).map((e) => `webhooks: ${e.dead} dead deliveries to ${safeUrl(e.endpoint)} (replay them from /api/webhooks/deliveries?status=dead)`);
      return { figures: { ...figures }, problems };
    },
  };
}
