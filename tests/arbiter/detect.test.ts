import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cleanupArbiters, startArbiter, type Arbiter } from '../helpers/arbiter.js';
import { createPairedSlot } from '../helpers/sim-actions.js';
import { cleanupSims, startSim, type SimProcess } from '../helpers/sim-process.js';
import { waitFor } from '../helpers/wait.js';

/** Nobody is kicked: the arbiter measures how long a device was connected from two places. */
describe('whatsapp-arbiter in detect mode', () => {
  let arbiter: Arbiter;
  beforeAll(async () => {
    arbiter = await startArbiter('detect');
  });
  afterAll(async () => {
    await cleanupSims();
    await cleanupArbiters();
  });

  const sim = (node: string, env: Record<string, string> = {}): Promise<SimProcess> =>
    startSim({ basicAuth: 'u:p', env: { SIM_ARBITER_URL: arbiter.url, SIM_NODE: node, SIM_AUTOCONNECT_DELAY_MS: '50', SIM_TEST_RUN: process.env.SIM_TEST_RUN ?? '', ...env } });

  it('reports an overlap while both run, and its duration once one stops', async () => {
    expect(await arbiter.overlaps()).toMatchObject({ mode: 'detect', count: 0, max_ms: 0 });
    const a = await sim('n1');
    await createPairedSlot(a, '628444', { jid: '628444' });
    const first = await arbiter.waitForConnection((c) => c.pid === a.pid);
    const b = await sim('n2', { DB_URI: `file:${join(a.cwd, 'storages/whatsapp.db')}` });
    const second = await arbiter.waitForConnection((c) => c.pid === b.pid);
    expect(second.device).toBe(first.device);

    const ongoing = await arbiter.overlaps();
    expect(ongoing).toMatchObject({ count: 1, devices: 1 });
    expect(ongoing.overlaps[0]).toMatchObject({ device: first.device, jid: '628444@s.whatsapp.net', ongoing: true, end_ms: null, start_ms: second.connected_ms });
    expect(ongoing.overlaps[0]?.nodes.sort()).toEqual(['n1', 'n2']);
    // Both keep running: detect mode never sends StreamReplaced.
    expect(a.exitInfo).toBeUndefined();
    expect(b.exitInfo).toBeUndefined();

    await b.stop();
    const ended = await waitFor(async () => {
      const report = await arbiter.overlaps();
      return report.overlaps[0]?.ongoing === false ? report : undefined;
    }, { what: 'the overlap to end' });
    const overlap = ended.overlaps[0];
    const stop = (await arbiter.events()).find((e) => e.type === 'disconnect' && e.connection_id === second.id);
    expect(overlap?.end_ms).toBe(stop?.ms);
    expect(overlap?.duration_ms).toBeCloseTo((stop?.ms ?? 0) - second.connected_ms, 2);
    expect(overlap?.duration_ms).toBeGreaterThan(0);
    expect(ended).toMatchObject({ count: 1, max_ms: overlap?.duration_ms, total_ms: overlap?.duration_ms });
    expect(await arbiter.connections()).toEqual([expect.objectContaining({ pid: a.pid, node: 'n1' })]);
  });
});
