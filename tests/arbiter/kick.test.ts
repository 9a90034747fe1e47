import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { cleanupArbiters, startArbiter, type Arbiter } from '../helpers/arbiter.js';
import { createPairedSlot } from '../helpers/sim-actions.js';
import { cleanupSims, freePort, startSim, type SimProcess } from '../helpers/sim-process.js';
import { waitFor } from '../helpers/wait.js';

const JID = '628111@s.whatsapp.net';

/** Two stand-ins on one session store (the shared-schema mistake): the second connection replaces the first. */
describe('whatsapp-arbiter in kick mode', () => {
  let arbiter: Arbiter;
  beforeAll(async () => {
    arbiter = await startArbiter('kick');
  });
  afterAll(async () => {
    await cleanupSims();
    await cleanupArbiters();
  });

  const sim = (node: string, fence: string, env: Record<string, string> = {}): Promise<SimProcess> =>
    startSim({ basicAuth: 'u:p', env: { SIM_ARBITER_URL: arbiter.url, SIM_NODE: node, SIM_FENCE: fence, SIM_AUTOCONNECT_DELAY_MS: '50', SIM_TEST_RUN: process.env.SIM_TEST_RUN ?? '', ...env } });

  it('records who connects on pairing, and a second connection of the device makes the first stand-in exit 0', async () => {
    const a = await sim('n1', '1');
    await createPairedSlot(a, '628111', { jid: '628111' });
    const first = await arbiter.waitForConnection((c) => c.jid === JID && c.pid === a.pid);
    expect(first).toMatchObject({ node: 'n1', fence: 1, device: expect.stringMatching(/^628111:\d+@s\.whatsapp\.net$/) });

    // B reads A's store: it finds the session and auto-connects it, as GOWA does with every stored device.
    const b = await sim('n2', '2', { DB_URI: `file:${join(a.cwd, 'storages/whatsapp.db')}` });
    const exit = await a.waitForExit();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(a.stderr).toContain(`stream replaced: the session of ${first.device} was opened elsewhere, exiting`);

    const connections = await arbiter.connections();
    expect(connections).toEqual([expect.objectContaining({ device: first.device, node: 'n2', pid: b.pid, fence: 2 })]);
    const replaced = (await arbiter.events()).find((e) => e.type === 'disconnect' && e.connection_id === first.id);
    expect(replaced).toMatchObject({ reason: 'replaced', node: 'n1', pid: a.pid });
    // The kick happens as the new stream registers: the two never count as connected together.
    expect((await arbiter.overlaps()).count).toBe(0);
    expect(b.exitInfo).toBeUndefined();

    // Logout ends the connection; nothing is connected any more.
    const logout = await b.api('GET', '/app/logout');
    expect(logout.status).toBe(200);
    await waitFor(async () => (await arbiter.connections()).length === 0, { what: 'the logout to disconnect' });
    const closed = (await arbiter.events()).filter((e) => e.type === 'disconnect' && e.pid === b.pid);
    expect(closed).toEqual([expect.objectContaining({ reason: 'closed' })]);
  });

  it('SIGTERM and kill -9 both end the connection', async () => {
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const s = await sim('n3', '3');
      await createPairedSlot(s, '628222', { jid: '628222' });
      const conn = await arbiter.waitForConnection((c) => c.pid === s.pid);
      await s.stop(signal);
      await arbiter.waitForEvent((e) => e.type === 'disconnect' && e.connection_id === conn.id, `the ${signal} disconnect`);
      expect((await arbiter.connections()).some((c) => c.pid === s.pid)).toBe(false);
    }
  });

  it('a send goes through the device connection and is recorded', async () => {
    const s = await sim('n4', '4');
    await createPairedSlot(s, '628333', { jid: '628333' });
    const conn = await arbiter.waitForConnection((c) => c.pid === s.pid);
    const res = await s.api<{ results: { message_id: string } }>('POST', '/send/message', { phone: '628999000111', message: 'hi' });
    expect(res.status).toBe(200);
    const sent = await arbiter.waitForEvent((e) => e.type === 'send' && e.connection_id === conn.id);
    expect(sent).toMatchObject({ message_id: res.json.results.message_id, to: '628999000111@s.whatsapp.net', node: 'n4' });
  });

  it('an arbiter nobody answers at is logged and changes nothing else', async () => {
    const s = await sim('n5', '5', { SIM_ARBITER_URL: `http://127.0.0.1:${await freePort()}` });
    await createPairedSlot(s, '628444', { jid: '628444' });
    await s.waitForOutput(/\[ARBITER\] connection of 628444:\d+@s\.whatsapp\.net failed: connect ECONNREFUSED/, 'stderr');
    expect((await s.api('POST', '/send/message', { phone: '628999000111', message: 'hi' })).status).toBe(200);
    expect(s.exitInfo).toBeUndefined();
  });

  it.each([
    ['/connect?node=n1', 400],
    ['/connect?device=hello', 400],
    ['/connect?device=628111:2@s.whatsapp.net&pid=-1', 400],
    ['/connect?device=628111:2@s.whatsapp.net&node=a%20b', 400],
    ['/elsewhere?device=628111:2@s.whatsapp.net', 404],
  ])('refuses the upgrade %s with %i', async (path, status) => {
    const ws = new WebSocket(`${arbiter.url.replace('http', 'ws')}${path}`);
    const got = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    ws.terminate();
    expect(got).toBe(status);
  });
});
