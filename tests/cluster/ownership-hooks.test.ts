import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { ClusterNode } from '../../src/cluster/cluster-node.js';
import type { OwnershipHooks } from '../../src/cluster/ownership.js';
import { FAST, inProcessNode } from '../helpers/cluster-members.js';
import { POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const COOLDOWN = Number(FAST.CLUSTER_RELEASE_COOLDOWN);
const numbers = (n: number) => Array.from({ length: n }, (_, i) => `55119000000${String(i + 1).padStart(2, '0')}`);

/** What the supervisor will plug into ownership: take-over steps, stopping a child before a hand-over, idlest first. */
describe('ownership hooks for the owner of the children', () => {
  let server: TestPostgres;
  let scenario = 0;
  const nodes: ClusterNode[] = [];
  beforeAll(async () => {
    server = await startPostgres();
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await server?.destroy();
  }, POSTGRES_SETUP_TIMEOUT_MS);

  async function start(url: string, nodeId: string, hooks: OwnershipHooks = {}): Promise<ClusterNode> {
    const node = await inProcessNode(url, nodeId, { hooks });
    nodes.push(node);
    return node;
  }

  async function moves(url: string): Promise<{ phone_number: string; from_node: string | null; to_node: string | null; reason: string; at: Date }[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query('SELECT phone_number, from_node, to_node, reason, at FROM ownership_moves ORDER BY id')).rows;
    } finally {
      await client.end();
    }
  }

  it('runs prepare between the claim and `acquired`; a failed take-over is handed back and retried after the cooldown', async () => {
    const url = await server.createDatabase(`hooks_${++scenario}`);
    let attempts = 0;
    const node = await start(url, 'a', {
      prepare: async () => {
        if (++attempts === 1) throw new Error('store fence failed');
      },
    });
    const seen: string[] = [];
    node.ownership.events.on('changed', (e) => seen.push(`${e.from}→${e.to}`));
    await node.addNumbers(['5511900000001']);
    await waitFor(() => node.ownership.held().get('5511900000001')?.kind === 'owned', { what: 'owned after the retry' });
    expect(seen).toEqual(['none→acquiring', 'acquiring→releasing', 'releasing→released', 'none→acquiring', 'acquiring→owned']);
    const log = await moves(url);
    expect(log.map((m) => `${m.from_node}→${m.to_node} ${m.reason}`)).toEqual(['null→a new', 'a→null abandoned', 'a→a released']);
    expect(log[2]!.at.getTime() - log[1]!.at.getTime()).toBeGreaterThanOrEqual(COOLDOWN);
  });

  it('on drain, stops each child (beforeRelease) while the number is still ours, then releases it', async () => {
    const url = await server.createDatabase(`hooks_${++scenario}`);
    const ownerAtStop: (string | null)[] = [];
    const probe = new pg.Pool({ connectionString: url, max: 1 });
    let letGo!: () => void;
    const stopped = new Promise<void>((resolve) => (letGo = resolve));
    const node = await inProcessNode(url, 'a', {
      hooks: {
        beforeRelease: async (phoneNumber) => {
          ownerAtStop.push((await probe.query('SELECT node_id FROM assignments WHERE phone_number = $1', [phoneNumber])).rows[0]?.node_id ?? null);
          await stopped;
        },
      },
    });
    nodes.push(node);
    try {
      await node.addNumbers(numbers(3));
      await waitFor(() => node.ownership.held().size === 3 && [...node.ownership.held().values()].every((e) => e.kind === 'owned'), { what: 'three owned' });
      const draining = node.drain();
      await waitFor(() => ownerAtStop.length === 3, { what: 'every child asked to stop' });
      expect(ownerAtStop).toEqual(['a', 'a', 'a']);
      expect((await moves(url)).filter((m) => m.to_node === null)).toEqual([]);
      letGo();
      await draining;
      expect((await moves(url)).filter((m) => m.to_node === null).map((m) => m.reason)).toEqual(['drain', 'drain', 'drain']);
    } finally {
      await probe.end();
    }
  });

  it('rebalances the idlest numbers first and never moves a failed one', async () => {
    const url = await server.createDatabase(`hooks_${++scenario}`);
    // The owner ranks by idleness; here: the highest number is the idlest.
    const a = await start(url, 'a', { rankForRelease: (list) => [...list].reverse() });
    await a.addNumbers(numbers(4));
    await waitFor(() => [...a.ownership.held().values()].filter((e) => e.kind === 'owned').length === 4, { what: 'four owned by a' });
    const failed = '5511900000004';
    await a.ownership.markFailed(failed, a.ownership.held().get(failed)!.fence, true);
    const b = await start(url, 'b');
    await waitFor(() => b.ownership.held().size === 2 && a.ownership.held().size === 2, { timeoutMs: 20_000, what: '2 and 2' });
    const released = (await moves(url)).filter((m) => m.to_node === null);
    expect(released.map((m) => `${m.phone_number} ${m.reason}`)).toEqual(['5511900000003 rebalance', '5511900000002 rebalance']);
    expect(a.ownership.held().get(failed)?.kind).toBe('owned');
  });
});
