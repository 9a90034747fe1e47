import { Gauge, type Registry } from 'prom-client';
import type { ForwarderFigures } from '../cluster/journal/local-forwarder.js';
import type { HealthContributor } from '../health/health-service.js';
import type { MetricsContributor } from './registry.js';

const OUTCOMES = ['appended', 'dropped', 'failed'] as const;

/**
 * Distributed mode: what became of this node's events on their way to the Postgres journal. Failures (the database
 * did not answer within the appender's retries) make the node unhealthy until an append succeeds again: sockets on
 * every node are missing those events.
 */
export function clusterJournalMetrics(figures: () => ForwarderFigures): MetricsContributor & HealthContributor {
  return {
    name: 'clusterJournal',
    register(registry: Registry) {
      new Gauge({
        name: 'wa_cluster_journal_forwarded',
        help: 'Events of the local journal since start, by what became of them on the Postgres journal (appended; dropped: not this node\'s number; failed: the database did not answer)',
        labelNames: ['outcome'],
        registers: [registry],
        collect() {
          const now = figures();
          for (const outcome of OUTCOMES) this.set({ outcome }, now[outcome]);
        },
      });
    },
    report() {
      const now = figures();
      const problems = now.failing
        ? [`cluster journal: events could not be appended to Postgres (${now.failed} since start, the newest at ${new Date(now.lastFailureAt ?? 0).toISOString()}); no socket sees them`]
        : [];
      return { figures: { ...now }, problems };
    },
  };
}
