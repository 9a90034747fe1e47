import { Gauge, type Registry } from 'prom-client';
import type { ClusterView, NodeLeaseState } from '../cluster/view.js';
import type { MetricsContributor } from './registry.js';

const STATES: readonly NodeLeaseState[] = ['live', 'draining', 'expired'];

/**
 * Distributed mode in Prometheus, read from the shared database at scrape time, so every node reports the same
 * cluster: nodes by lease state, each node's numbers and lease age, numbers nobody owns, and moves by reason.
 * One snapshot per scrape feeds every series (they agree with each other).
 */
export function clusterMetrics(read: () => Promise<ClusterView>): MetricsContributor {
  return {
    register(registry: Registry) {
      let pending: Promise<ClusterView> | null = null;
      // The gauges are collected one after another within one scrape: they share the snapshot read by the first.
      const snapshot = (): Promise<ClusterView> => {
        pending ??= read().finally(() => setImmediate(() => (pending = null)));
        return pending;
      };
      new Gauge({
        name: 'wa_cluster_nodes',
        help: 'Nodes in the cluster by lease state (live, draining, expired)',
        labelNames: ['state'],
        registers: [registry],
        async collect() {
          const view = await snapshot();
          for (const state of STATES) this.set({ state }, view.nodes.filter((n) => n.state === state).length);
        },
      });
      new Gauge({
        name: 'wa_cluster_node_numbers',
        help: 'Numbers owned by each node (its current incarnation)',
        labelNames: ['node'],
        registers: [registry],
        async collect() {
          this.reset();
          for (const n of (await snapshot()).nodes) this.set({ node: n.nodeId }, n.numbers.length);
        },
      });
      new Gauge({
        name: 'wa_cluster_node_lease_age_seconds',
        help: 'Seconds since each node last renewed its lease, by the database clock',
        labelNames: ['node'],
        registers: [registry],
        async collect() {
          this.reset();
          for (const n of (await snapshot()).nodes) this.set({ node: n.nodeId }, n.leaseAgeMs / 1000);
        },
      });
      new Gauge({
        name: 'wa_cluster_numbers_unowned',
        help: 'Numbers no live node owns right now (waiting for a claim)',
        registers: [registry],
        async collect() {
          this.set((await snapshot()).unowned.length);
        },
      });
      new Gauge({
        name: 'wa_cluster_moves',
        help: 'Ownership moves recorded since the cluster was created, by reason (claims: new, released, expired, orphaned; releases: drain, rebalance, abandoned)',
        labelNames: ['reason'],
        registers: [registry],
        async collect() {
          this.reset();
          for (const [reason, n] of Object.entries((await snapshot()).movesByReason)) this.set({ reason }, n);
        },
      });
    },
  };
}
