/**
 * Deliveries are written to SQLite before they are attempted: a gateway killed with SIGKILL while deliveries
 * are pending delivers them after it starts again, in order, every one of them.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeDataRoot } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { isAlive, waitFor, waitForExit } from '../helpers/wait.js';
import { startReceiver, type Receiver } from './receiver.js';

const PHONE = '5511944000001';
const ENV = { WEBHOOK_RETRY_BASE_DELAY: '100', WEBHOOK_RETRY_MAX_DELAY: '300', WEBHOOK_RETRY_PERIOD: '600000' };

interface Delivery {
  id: number;
  eventId: string;
  status: string;
}

let receiver: Receiver;
const dataRoot = makeDataRoot();
const gateways: GatewayProcess[] = [];
const childPids: number[] = [];

/** The stand-in's control API, reached with the child's own credentials (read from its environment). */
function childApi(pid: number) {
  const env = Object.fromEntries(
    fs
      .readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const base = `http://127.0.0.1:${env['APP_PORT']}`;
  const authorization = `Basic ${Buffer.from(env['APP_BASIC_AUTH'] ?? '').toString('base64')}`;
  return async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
}

async function start(): Promise<GatewayProcess> {
  const gw = await spawnGateway(dataRoot, ENV);
  gateways.push(gw);
  return gw;
}

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  for (const gw of gateways) {
    if (gw.child.exitCode === null && gw.child.signalCode === null) {
      gw.child.kill('SIGTERM');
      await gw.exited;
    }
  }
  for (const pid of childPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await receiver.close();
  fs.rmSync(dataRoot, { recursive: true, force: true });
});

describe('a gateway killed with deliveries pending', () => {
  it('delivers them after it restarts', async () => {
    receiver.respond = () => 500;
    const first = await start();
    const registered = await first.request<{ pid: number; state: string }>('POST', '/api/devices', {
      phoneNumber: PHONE,
      webhookUrl: receiver.url,
      webhookSecret: 'restart-secret',
      webhookEvents: ['message'],
    });
    expect(registered.body.state).toBe('running');
    childPids.push(registered.body.pid);
    const api = childApi(registered.body.pid);
    await api('GET', '/app/login');
    await api('POST', '/_sim/pair', {});
    await waitFor(async () => (await first.request<{ sessionState: string }>('GET', `/api/devices/${PHONE}`)).body.sessionState === 'logged_in', {
      what: 'logged in',
    }).catch((err: unknown) => {
      console.log(first.output.join('\n'));
      throw err;
    });
    await api('POST', '/_sim/incoming', { body: 'before the crash', count: 5 });

    // Written and attempted (the first fails, the others wait behind it) before the gateway dies.
    const pending = await waitFor(
      async () => {
        const res = await first.request<{ deliveries: Delivery[] }>('GET', `/api/webhooks/deliveries?phoneNumber=${PHONE}&limit=50`);
        return res.body.deliveries.length === 5 ? res.body.deliveries : null;
      },
      { what: 'five deliveries stored' },
    );
    await receiver.waitFor((h) => h.status === 500, 2);
    expect(pending.every((d) => d.status === 'pending' || d.status === 'failed')).toBe(true);

    first.child.kill('SIGKILL');
    await first.exited;
    receiver.respond = () => 200;

    const second = await start();
    const delivered = await receiver.waitFor((h) => h.status === 200 && h.json.type === 'message', 5, 20_000);
    expect(delivered.map((h) => h.json.id).sort()).toEqual(pending.map((d) => d.eventId).sort());
    const seqs = delivered.map((h) => h.json.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(5);
    expect(delivered.every((h) => h.json.payload['body'] === 'before the crash')).toBe(true);
    const after = await second.request<{ deliveries: Delivery[]; total: number }>('GET', `/api/webhooks/deliveries?phoneNumber=${PHONE}&status=delivered`);
    expect(after.body.total).toBe(5);

    second.child.kill('SIGTERM');
    await second.exited;
    await waitForExit(registered.body.pid);
  });
});
