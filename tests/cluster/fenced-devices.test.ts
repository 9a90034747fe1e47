/**
 * The numbers' rows in distributed mode: only the owner records what a number's process is doing, under its fence;
 * a node that lost the number writes nothing of it (and its memory goes back to what is stored); configuration may
 * be changed from a node that does not own the number.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { ClusterNode } from '../../src/cluster/cluster-node.js';
import { FencedDeviceStore } from '../../src/cluster/fenced-devices.js';
import { DeviceDirectory } from '../../src/db/device-directory.js';
import { pgDatabase } from '../../src/db/pg/client.js';
import { PgNumberKeys } from '../../src/db/pg/repositories/number-keys.js';
import { systemClock } from '../../src/lib/clock.js';
import { inProcessNode } from '../helpers/cluster-members.js';
import { POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const OWNED = '5511900000001';
const ELSEWHERE = '5511900000002';

describe('fenced writes of the numbers rows', () => {
  let server: TestPostgres;
  let node: ClusterNode | null = null;
  let probe: pg.Pool | null = null;
  beforeAll(async () => {
    server = await startPostgres();
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await node?.close();
    await probe?.end();
    await server?.destroy();
  }, POSTGRES_SETUP_TIMEOUT_MS);

  it("records the owner's states, refuses them once the fence moved on, and lets configuration through anywhere", async () => {
    const url = await server.createDatabase('fenced_devices');
    node = await inProcessNode(url, 'a');
    probe = new pg.Pool({ connectionString: url, max: 2 });
    for (const phone of [OWNED, ELSEWHERE]) await probe.query('INSERT INTO devices (phone_number, name) VALUES ($1, $1)', [phone]);
    await node.addNumbers([OWNED]);
    const ownership = node.ownership;
    await waitFor(() => ownership.held().get(OWNED)?.kind === 'owned' || null, { timeoutMs: 15_000, what: 'the number owned' });

    const refused: { phoneNumber: string; code: unknown }[] = [];
    const directory = await DeviceDirectory.load({ devices: new FencedDeviceStore(node.pool, ownership), numberKeys: new PgNumberKeys(pgDatabase(node.pool)) }, systemClock, (err, phoneNumber) => refused.push({ phoneNumber, code: (err as { code?: unknown }).code }));
    const stored = async (phone: string) => (await probe!.query('SELECT state, pid, name FROM devices WHERE phone_number = $1', [phone])).rows[0] as { state: string; pid: string | null; name: string };

    directory.record(OWNED, { state: 'running', pid: 4242 });
    await directory.recorded();
    expect(await stored(OWNED)).toEqual({ state: 'running', pid: '4242', name: OWNED });

    // Not this node's number: its state is not for this node to record; its name is anyone's to change.
    directory.record(ELSEWHERE, { state: 'running' });
    await directory.recorded();
    expect(await directory.update(ELSEWHERE, { name: 'Vendas' })).toMatchObject({ name: 'Vendas', state: 'stopped' });
    expect(await stored(ELSEWHERE)).toEqual({ state: 'stopped', pid: null, name: 'Vendas' });

    // Another node took the number over (its claim moves the fence): the former owner writes nothing more of it.
    await probe.query('UPDATE assignments SET fence = fence + 1 WHERE phone_number = $1', [OWNED]);
    expect(directory.record(OWNED, { state: 'stopped', pid: null })?.state).toBe('stopped');
    await directory.recorded();
    expect(await stored(OWNED)).toEqual({ state: 'running', pid: '4242', name: OWNED });
    expect(directory.get(OWNED)).toMatchObject({ state: 'running', pid: 4242 });
    expect(directory.get(ELSEWHERE)).toMatchObject({ state: 'stopped', name: 'Vendas' });
    expect(refused).toEqual([
      { phoneNumber: ELSEWHERE, code: 'CLUSTER_OWNERSHIP_LOST' },
      { phoneNumber: OWNED, code: 'CLUSTER_OWNERSHIP_LOST' },
    ]);
    await waitFor(() => !ownership.held().has(OWNED) || null, { timeoutMs: 10_000, what: 'the number given up' });
  });
});
