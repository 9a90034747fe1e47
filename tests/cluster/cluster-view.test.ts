/**
 * The cluster view (src/cluster/view.ts) and its Prometheus series (src/metrics/cluster.ts) over real members:
 * what an operator sees while nodes join, drain and die.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { Registry } from 'prom-client';
import { readClusterView, type ClusterView } from '../../src/cluster/view.js';
import { clusterMetrics } from '../../src/metrics/cluster.js';
import { clusterScenarios } from '../helpers/cluster-members.js';
import { waitFor } from '../helpers/wait.js';

describe('the cluster view', () => {
  const { newRig } = clusterScenarios('view');
  let pool: pg.Pool | null = null;
  afterEach(async () => {
    await pool?.end();
    pool = null;
  });

  it('shows each node with its numbers and lease, the moves by reason, and the numbers nobody owns; Prometheus says the same', async () => {
    const rig = await newRig();
    pool = new pg.Pool({ connectionString: rig.url, max: 2 });
    const view = (): Promise<ClusterView> => readClusterView(pool!);
    await rig.startAll(['n1', 'n2']);
    const numbers = await rig.addNumbers(6);
    const held = await rig.waitForShares({ n1: 3, n2: 3 });

    const first = await view();
    expect(first.nodes.map((n) => [n.nodeId, n.state, n.numbers.map((x) => x.phoneNumber).sort()])).toEqual([
      ['n1', 'live', [...held.get('n1')!].sort()],
      ['n2', 'live', [...held.get('n2')!].sort()],
    ]);
    for (const n of first.nodes) {
      expect(n).toMatchObject({ advertiseUrl: `http://127.0.0.1:1/${n.nodeId}`, gowaVersion: '9.2.0', capacity: expect.any(Number) });
      expect(n.expiresInMs).toBeGreaterThan(0);
      expect(n.leaseAgeMs).toBeGreaterThanOrEqual(0);
      for (const x of n.numbers) expect(x).toMatchObject({ fence: 1, failed: false, claimedAt: expect.any(String) });
    }
    expect(first.unowned).toEqual([]);
    expect(first.movesByReason).toEqual({ new: 6 });
    expect(first.moves).toHaveLength(6);

    const registry = new Registry();
    clusterMetrics(view).register(registry);
    const text = await registry.metrics();
    expect(text).toContain('wa_cluster_nodes{state="live"} 2');
    expect(text).toContain('wa_cluster_nodes{state="expired"} 0');
    expect(text).toContain('wa_cluster_node_numbers{node="n1"} 3');
    expect(text).toContain('wa_cluster_node_numbers{node="n2"} 3');
    expect(text).toContain('wa_cluster_numbers_unowned 0');
    expect(text).toContain('wa_cluster_moves{reason="new"} 6');
    expect(text).toMatch(/wa_cluster_node_lease_age_seconds\{node="n1"\} \d/);

    // A drain: n2's three numbers are released to n1 and n2's lease is ended.
    const n2 = rig.members.find((m) => m.nodeId === 'n2')!;
    n2.signal('SIGTERM');
    expect(await n2.exited).toBe(0);
    await rig.waitForShares({ n1: 6 });
    const drained = await view();
    expect(drained.nodes.map((n) => [n.nodeId, n.state, n.numbers.length])).toEqual([
      ['n1', 'live', 6],
      ['n2', 'expired', 0],
    ]);
    expect(drained.movesByReason).toEqual({ new: 6, drain: 3, released: 3 });
    expect(drained.moves.slice(0, 6).every((m) => (m.reason === 'drain' ? m.fromNode === 'n2' && m.toNode === null : m.reason === 'released' && m.toNode === 'n1'))).toBe(true);

    // The last node dies: its numbers are nobody's once its lease has run out.
    await rig.members.find((m) => m.nodeId === 'n1')!.kill();
    const orphaned = await waitFor(async () => {
      const v = await view();
      return v.unowned.length === numbers.length ? v : null;
    }, { timeoutMs: 30_000, what: 'every number unowned' });
    expect(orphaned.nodes.map((n) => n.state)).toEqual(['expired', 'expired']);
    expect(await registry.metrics()).toContain(`wa_cluster_numbers_unowned ${numbers.length}`);
  });
});
