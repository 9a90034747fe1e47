/**
 * nginx/cluster-upstream.conf in front of three real cluster members (bench/cluster/node-http.ts: the routed API on
 * each node's advertise URL) on one real Postgres: whichever node nginx picks, a number's call is answered by its
 * owner; when the node nginx sends this client to dies, nginx moves the client to a live node at once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { clusterScenarios, type ClusterRig } from '../helpers/cluster-members.js';
import { workerPortRange } from '../helpers/gateway.js';
import { nginxTest, renderNginxConfig, startNginx, type RunningNginx } from './nginx-harness.js';
import { ensurePackages, removeTempDirs, SETUP_TIMEOUT_MS, tempDir } from './support.js';

const IDS = ['n1', 'n2', 'n3'] as const;
const addressOf = (id: string): string => `127.0.0.${10 + Number(id.slice(1))}:${workerPortRange().base + 144 + Number(id.slice(1))}`;
const NGINX_PORT = (): number => workerPortRange().base + 148;

afterAll(removeTempDirs);

interface WhoAmI {
  readonly status: number;
  readonly body: { node?: string; fence?: number; hops?: number; error?: { code: string } };
}

describe('nginx in front of several nodes (cluster-upstream.conf)', () => {
  const { newRig } = clusterScenarios('nginx_cluster');
  let nginx: RunningNginx | null = null;
  beforeAll(() => ensurePackages('nginx'), SETUP_TIMEOUT_MS);
  afterAll(async () => nginx?.stop());

  const whoami = async (number: string): Promise<WhoAmI> => {
    const res = await fetch(`${nginx!.url}/numbers/${number}/whoami`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: (await res.json()) as WhoAmI['body'] };
  };

  it('is valid as shipped, with its nodes pointed at loopback', async () => {
    const prefix = tempDir('ops-nginx-cluster-t-');
    const conf = renderNginxConfig(prefix, { upstreamPort: 0, httpPort: 8080, clusterNodes: IDS.map(addressOf) });
    const result = await nginxTest(prefix, conf);
    expect(result.stderr).toContain('test is successful');
    expect(result.code).toBe(0);
  });

  it('reaches every number owner through any node, and moves its client off a node killed under it', async () => {
    const rig: ClusterRig = await newRig();
    const members = IDS.map((id) => rig.start(id, { NODE_HTTP: '1', NODE_ADVERTISE_URL: `http://${addressOf(id)}` }));
    await Promise.all(members.map((m) => m.waitForEvent((e) => e.event === 'ready' || e.event === 'error', 'ready')));
    for (const m of members) if (m.count('ready') === 0) throw new Error(`${m.nodeId} failed: ${m.stderr}`);
    await rig.addNumbers(6);
    await rig.waitForShares({ n1: 2, n2: 2, n3: 2 });
    const owners = await rig.owners();
    nginx = await startNginx(tempDir('ops-nginx-cluster-'), { upstreamPort: 0, httpPort: NGINX_PORT(), clusterNodes: IDS.map(addressOf) });

    // One client address: the consistent hash sends every call to one node, which serves its own numbers (0 hops)
    // and forwards the others' (1 hop).
    let entry: string | null = null;
    for (const [number, owner] of owners) {
      const answer = await whoami(number);
      expect(answer).toMatchObject({ status: 200, body: { node: owner.nodeId, fence: owner.fence } });
      if (answer.body.hops === 0) entry = owner.nodeId;
    }
    expect(entry).not.toBeNull();

    await members.find((m) => m.nodeId === entry)!.kill();
    // The next call for a survivor's number is answered at once: nginx found the entry node refusing connections
    // and passed the call to a live node, which serves or forwards it.
    for (const [number, owner] of owners) {
      if (owner.nodeId === entry) continue;
      expect(await whoami(number)).toMatchObject({ status: 200, body: { node: owner.nodeId, fence: owner.fence } });
    }
  });
});
