/**
 * WebSocket `/ws` (docs/binary-contract.md §9): auth (header or ?authorization=), device middleware on the
 * upgrade, 426 for plain GETs, frame format, FETCH_DEVICES → LIST_DEVICES to all clients, ignored JSON, non-JSON
 * closes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPairedSlot, createSlot } from '../helpers/sim-actions.js';
import { cleanupSims, IS_STAND_IN, startSim, type SimProcess } from '../helpers/sim-process.js';
import { openSimWs } from '../helpers/sim-ws.js';

const itSim = IS_STAND_IN ? it : it.skip;

let sim: SimProcess;

beforeAll(async () => {
  sim = await startSim({ basicAuth: 'u:p' });
});
afterAll(cleanupSims);

describe('upgrade', () => {
  it('with 0 slots the upgrade is refused with 400 DEVICE_ID_REQUIRED; an unknown id with 404', async () => {
    await expect(openSimWs(sim)).rejects.toMatchObject({ status: 400, body: expect.stringContaining('DEVICE_ID_REQUIRED') });
    await expect(openSimWs(sim, { query: 'device_id=ghost' })).rejects.toMatchObject({ status: 404, body: expect.stringContaining('DEVICE_NOT_FOUND') });
  });

  it('needs basic auth, by header or by ?authorization=', async () => {
    await createSlot(sim, 'w1');
    await expect(openSimWs(sim, { auth: null })).rejects.toMatchObject({ status: 401 });
    const byQuery = await openSimWs(sim, { auth: null, query: `authorization=${Buffer.from('u:p').toString('base64')}` });
    await byQuery.close();
  });

  it('a plain GET /ws → 426 Upgrade Required', async () => {
    const res = await sim.api('GET', '/ws');
    expect([res.status, res.text]).toEqual([426, 'Upgrade Required']);
  });
});

describe('frames', () => {
  it('nothing on connect; FETCH_DEVICES → LIST_DEVICES to every client, as {code,message,result} text', async () => {
    const [a, b] = [await openSimWs(sim), await openSimWs(sim)];
    const raw: string[] = [];
    b.ws.on('message', (data) => raw.push(data.toString()));
    a.ws.send(JSON.stringify({ code: 'SOMETHING_ELSE' }));
    a.ws.send(JSON.stringify({ code: 'FETCH_DEVICES' }));
    await a.waitFor((f) => f.code === 'LIST_DEVICES');
    await b.waitFor((f) => f.code === 'LIST_DEVICES');
    expect(a.frames).toEqual([{ code: 'LIST_DEVICES', message: 'Device found', result: null }]);
    expect(raw).toEqual(['{"code":"LIST_DEVICES","message":"Device found","result":null}']);
    await a.close();
    await b.close();
  });

  it('a non-JSON frame closes the connection', async () => {
    const feed = await openSimWs(sim);
    feed.ws.send('this is not json');
    expect(await feed.closed).toBeGreaterThan(1000);
  });

  it('PATCH /devices/{id}/webhook → DEVICE_WEBHOOK_CONFIG_UPDATED', async () => {
    const feed = await openSimWs(sim);
    await sim.api('PATCH', '/devices/w1/webhook', { webhook_url: '' });
    expect(await feed.waitFor((f) => f.code === 'DEVICE_WEBHOOK_CONFIG_UPDATED')).toEqual({
      code: 'DEVICE_WEBHOOK_CONFIG_UPDATED', message: 'Device w1 webhook config updated', result: { device_id: 'w1' },
    });
    await feed.close();
  });

  itSim('LIST_DEVICES lists paired slots; POST /devices/{id}/logout sends device objects', async () => {
    const feed = await openSimWs(sim);
    await sim.api('DELETE', '/devices/w1');
    const jid = await createPairedSlot(sim, '628700', { push_name: 'Zed' });
    feed.ws.send(JSON.stringify({ code: 'FETCH_DEVICES' }));
    const list = await feed.waitFor((f) => f.code === 'LIST_DEVICES');
    expect(list.result).toEqual([{ name: 'Zed', device: '628700', jid }]);
    await sim.api('POST', '/devices/628700/logout');
    const out = await feed.waitFor((f) => f.code === 'DEVICE_LOGGED_OUT');
    expect(out.message).toBe('Device 628700 logged out (slot kept)');
    expect(out.result).toEqual({ device_id: '628700', devices: [{ id: '628700', state: 'disconnected', created_at: expect.any(String) }] });
    await feed.close();
  });
});
