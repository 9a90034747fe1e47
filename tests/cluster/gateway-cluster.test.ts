/**
 * The gateway in distributed mode: it joins the cluster at boot (a bad DATABASE_URL, a live twin of its NODE_ID or an
 * unknown binary version stops the boot with a clear message), answers the cluster view in its API and Prometheus
 * (every node the same), and leaves on close.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { launchBrowser, screenshot, seriousViolations, signIn } from '../helpers/browser.js';
import { ClusterRig, FAST } from '../helpers/cluster-members.js';
import { createKey, createUser, login } from '../helpers/access.js';
import { ADMIN, makeDataRoot, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { databaseUrl, postgresForFile } from '../helpers/postgres.js';

const server = postgresForFile();
const METRICS_TOKEN = 'cluster-metrics-token-123';
let count = 0;
const open: TestGateway[] = [];
afterEach(async () => {
  for (const gw of open.splice(0).reverse()) {
    await gw.close();
    fs.rmSync(gw.dataRoot, { recursive: true, force: true });
  }
});

const clusterEnv = (url: string, nodeId: string, extra: Record<string, string> = {}): Record<string, string> => ({
  ...FAST,
  CLUSTER_MODE: 'postgres',
  DATABASE_URL: url,
  NODE_ID: nodeId,
  NODE_ADVERTISE_URL: `http://127.0.0.1:1${nodeId.slice(1)}`,
  CLUSTER_STORE_SECRET: 'a-cluster-store-secret-of-32-bytes-or-more',
  METRICS_TOKEN,
  ...extra,
});

async function node(url: string, nodeId: string, extra: Record<string, string> = {}): Promise<TestGateway> {
  const gw = await startTestGateway({ env: clusterEnv(url, nodeId, extra) });
  open.push(gw);
  return gw;
}

/** The boot's refusal: createGateway rejects, and no half-started gateway is left. */
async function refusedBoot(env: Record<string, string>): Promise<Error> {
  const dataRoot = makeDataRoot();
  try {
    const gw = await startTestGateway({ dataRoot, env });
    open.push(gw);
  } catch (err) {
    return err as Error;
  } finally {
    fs.rmSync(dataRoot, { recursive: true, force: true });
  }
  throw new Error('the gateway started');
}

interface View {
  mode: string;
  node: string;
  nodes: { nodeId: string; state: string; leaseAgeMs: number; gowaVersion: string; numbers: { phoneNumber: string }[] }[];
  unowned: string[];
}

describe('the gateway in distributed mode', () => {
  it('joins at boot; every node answers the same cluster view, naming itself; it leaves on close', async () => {
    const url = await server().createDatabase(`gateway_cluster_${++count}`);
    const n1 = await node(url, 'n1');
    const n2 = await node(url, 'n2');
    const rig = new ClusterRig(url);
    try {
      await rig.addNumbers(4);
      await rig.waitForShares({ n1: 2, n2: 2 });
    } finally {
      await rig.close();
    }
    for (const [gw, id] of [[n1, 'n1'], [n2, 'n2']] as const) {
      const view = await gw.request<View>('GET', '/api/cluster');
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({ mode: 'postgres', node: id, unowned: [] });
      expect(view.body.nodes.map((n) => [n.nodeId, n.state, n.gowaVersion, n.numbers.length])).toEqual([
        ['n1', 'live', '9.2.0', 2],
        ['n2', 'live', '9.2.0', 2],
      ]);
      for (const n of view.body.nodes) expect(n.leaseAgeMs).toBeLessThan(Number(FAST.CLUSTER_LEASE_TTL));
    }
    const browser = await launchBrowser();
    try {
      await signIn(browser.page, n1.url, ADMIN);
      await browser.page.goto(`${n1.url}/dashboard/system`);
      for (const id of ['n1', 'n2']) {
        const row = browser.page.getByTestId(`cluster-node-${id}`);
        await row.getByText('live', { exact: true }).waitFor();
        expect(await row.textContent()).toContain('2 / ');
      }
      expect(await browser.page.getByTestId('cluster-unowned').textContent()).toBe('Every number has a live owner.');
      expect(await seriousViolations(browser.page)).toEqual([]);
      await screenshot(browser.page, 'cluster');
    } finally {
      await browser.close();
    }
    const metrics = await fetch(`${n1.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(await metrics.text()).toMatch(/^wa_cluster_nodes\{state="live"\} 2$/m);

    await open.splice(open.indexOf(n2), 1)[0]!.close();
    fs.rmSync(n2.dataRoot, { recursive: true, force: true });
    const after = await n1.request<View>('GET', '/api/cluster');
    expect(after.body.nodes.filter((n) => n.state === 'live').map((n) => n.nodeId)).toEqual(['n1']);
  });

  it('shares accounts and API keys: made on one node, used on the other; revoked there, refused here', async () => {
    const url = await server().createDatabase(`gateway_cluster_${++count}`);
    // Both boot on an empty database: one of them creates the admin, the other finds it.
    const [n1, n2] = await Promise.all([node(url, 'n1'), node(url, 'n2')]);
    const users = await n2.request<{ users: { username: string }[] }>('GET', '/api/users');
    expect(users.body.users.map((u) => u.username)).toEqual([ADMIN.username]);

    const carol = await createUser(n1, 'carol');
    await waitFor(async () => (await n2.request('POST', '/api/auth/login', { body: { username: 'carol', password: carol.password }, token: null })).status === 200, { what: 'n2 to know carol' });
    expect(await login(n2, 'carol', carol.password)).toEqual(expect.any(String));

    const key = await createKey(n1, undefined, { scopes: ['numbers:read'] });
    await waitFor(async () => (await n2.request('GET', '/api/devices', { token: key.key })).status === 200, { what: 'n2 to accept the key made on n1' });
    expect((await n2.request('DELETE', `/api/keys/${key.id}`)).status).toBe(200);
    await waitFor(async () => (await n1.request('GET', '/api/devices', { token: key.key })).status === 401, { what: 'n1 to refuse the key revoked on n2' });
  });

  it('shares dashboard sign-ins: a session opened on one node works on the other, ended there, refused here', async () => {
    const url = await server().createDatabase(`gateway_cluster_${++count}`);
    const n1 = await node(url, 'n1');
    const n2 = await node(url, 'n2');
    const signIn = await n1.request<{ token: string }>('POST', '/api/auth/session', { body: ADMIN, token: null, headers: { 'x-dashboard-request': '1' } });
    expect(signIn.status).toBe(200);
    const { token } = signIn.body;
    await waitFor(async () => (await n2.request('GET', '/api/auth/sessions', { token })).status === 200, { what: 'n2 to accept the sign-in made on n1' });
    expect(await n2.request('POST', '/api/auth/logout-all', { token })).toMatchObject({ status: 200, body: { ended: 1 } });
    await waitFor(async () => (await n1.request('GET', '/api/auth/sessions', { token })).status === 401, { what: 'n1 to refuse the session ended on n2' });
  });

  it('answers mode off on a single host', async () => {
    const gw = await startTestGateway();
    open.push(gw);
    expect(await gw.request('GET', '/api/cluster')).toMatchObject({ status: 200, body: { mode: 'off' } });
  });

  it('refuses to boot a second live gateway with the same NODE_ID, saying so', async () => {
    const url = await server().createDatabase(`gateway_cluster_${++count}`);
    await node(url, 'n1');
    const err = await refusedBoot(clusterEnv(url, 'n1'));
    expect(err).toMatchObject({ code: 'CLUSTER_NODE_ID_IN_USE' });
    expect(err.message).toMatch(/NODE_ID n1 is held by another live process/);
  });

  it.each([
    ['a wrong password', (port: number) => databaseUrl(port, 'postgres', 'postgres', 'not-the-password-42'), 'CLUSTER_DB_REFUSED'],
    ['nothing listening', () => 'postgres://gw:not-the-password-42@127.0.0.1:1/gw', 'CLUSTER_DB_UNREACHABLE'],
  ])('stops the boot on a bad DATABASE_URL (%s), never echoing the password', async (_case, urlFor, code) => {
    const err = await refusedBoot(clusterEnv(urlFor(server().port), 'n1'));
    expect(err).toMatchObject({ code });
    expect(err.message).not.toContain('not-the-password-42');
  });

  it('stops the boot when the binary version is unknown (no <binary>.version beside it)', async () => {
    const url = await server().createDatabase(`gateway_cluster_${++count}`);
    const dir = fs.mkdtempSync(path.join(makeDataRoot(), 'bin-'));
    const binary = path.join(dir, 'whatsapp');
    fs.writeFileSync(binary, '#!/bin/sh\n', { mode: 0o755 });
    try {
      const err = await refusedBoot(clusterEnv(url, 'n1', { WHATSAPP_BINARY: binary }));
      expect(err).toMatchObject({ code: 'CLUSTER_BINARY_VERSION_UNKNOWN' });
      expect(err.message).toContain(`${binary}.version`);
      expect(err.message).toContain('scripts/install-binary.sh');
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
