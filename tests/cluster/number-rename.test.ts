/**
 * The rename of distributed mode (src/cluster/number-rename.ts): a pending number's rows and its assignment move to
 * the phone in one transaction fenced on the pending id; the owner's book follows with the same fence; a node that
 * lost the number moves nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { ClusterNode } from '../../src/cluster/cluster-node.js';
import { FencedNumberKeys, storeKeyOf } from '../../src/cluster/number-rename.js';
import { inProcessNode } from '../helpers/cluster-members.js';
import { POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const DB = 'number_rename';

describe('renaming a pending number in distributed mode', () => {
  let server: TestPostgres;
  let node: ClusterNode;
  let sql: pg.Pool;
  beforeAll(async () => {
    server = await startPostgres();
    const url = await server.createDatabase(DB);
    node = await inProcessNode(url, 'a');
    sql = new pg.Pool({ connectionString: url, max: 2 });
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await node?.close();
    await sql?.end();
    await server?.destroy();
  }, POSTGRES_SETUP_TIMEOUT_MS);

  const rows = async (text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> => (await sql.query(text, params)).rows;

  async function ownedPending(id: string): Promise<number> {
    await sql.query(`INSERT INTO devices (phone_number, pending_id, name, webhook_secret) VALUES ($1, $1, 'desk', 's')`, [id]);
    await node.addNumbers([id]);
    return waitFor(() => {
      const entry = node.ownership.held().get(id);
      return entry?.kind === 'owned' ? entry.fence : null;
    }, { what: `${id} owned` });
  }

  it('moves the rows and the assignment to the phone with the same fence; the book follows', async () => {
    const id = 'pending-aaaaaaaaaaa1';
    const phone = '5511932000001';
    const fence = await ownedPending(id);
    const renamed: unknown[] = [];
    node.ownership.events.on('renamed', (e) => renamed.push(e));
    let inside = 0;
    const row = await new FencedNumberKeys(node.ownership).rename(id, phone, 1, () => void inside++);
    expect(row).toMatchObject({ phoneNumber: phone, pendingId: id });
    expect(inside).toBe(1);
    expect(await rows('SELECT phone_number, pending_id FROM devices')).toEqual([{ phone_number: phone, pending_id: id }]);
    expect(await rows('SELECT phone_number, node_id, fence::int AS fence, store_key FROM assignments')).toEqual([{ phone_number: phone, node_id: 'a', fence, store_key: id }]);
    expect(renamed).toEqual([{ from: id, to: phone, fence }]);
    expect(node.ownership.held().get(phone)).toMatchObject({ kind: 'owned', fence });
    expect(node.ownership.held().has(id)).toBe(false);
    // Whoever owns it next opens the store the number paired in.
    expect(await storeKeyOf(node.pool, phone)).toBe(id);
  });

  it('is refused on a node that lost the number: nothing moves', async () => {
    const id = 'pending-aaaaaaaaaaa2';
    const phone = '5511932000002';
    await ownedPending(id);
    // Another live node has taken it (a claim after this node's lease looked expired).
    await sql.query(`INSERT INTO nodes (node_id, incarnation, advertise_url, capacity, gowa_version, joined_at, renewed_at, expires_at)
                     VALUES ('b', gen_random_uuid(), 'http://127.0.0.1:1', 10, '9.2.0', now(), now(), now() + interval '1 hour')`);
    await sql.query(`UPDATE assignments SET node_id = 'b', node_incarnation = (SELECT incarnation FROM nodes WHERE node_id = 'b'), fence = fence + 1 WHERE phone_number = $1`, [id]);
    let inside = 0;
    await expect(new FencedNumberKeys(node.ownership).rename(id, phone, 1, () => void inside++)).rejects.toMatchObject({ code: 'CLUSTER_OWNERSHIP_LOST' });
    expect(inside).toBe(0);
    expect(await rows('SELECT phone_number FROM devices WHERE phone_number IN ($1, $2)', [id, phone])).toEqual([{ phone_number: id }]);
    expect(await rows('SELECT phone_number, node_id, store_key FROM assignments WHERE phone_number IN ($1, $2)', [id, phone])).toEqual([{ phone_number: id, node_id: 'b', store_key: null }]);
    expect(node.ownership.held().has(id)).toBe(false);
    expect(node.ownership.held().has(phone)).toBe(false);
  });
});
