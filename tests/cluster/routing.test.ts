/**
 * Routing by forwarding (DM-20) with three real member processes serving their routed API (bench/cluster/node-http.ts)
 * on 127.0.0.11–13 and a real Postgres: any node reaches the owner, a failover moves the answers, 503 while nobody
 * owns a number, 421 on a stale fence, no loop with poisoned caches (F-16), a peer cut off by iptables (F-5).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MEMBER_WRITES_TABLE } from '../../bench/cluster/writes.js';
import { clusterScenarios, type ClusterRig, type Member } from '../helpers/cluster-members.js';
import { ROOT, workerPortRange } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const exec = promisify(execFile);
const IDS = ['n1', 'n2', 'n3'] as const;
const FORWARD_TIMEOUT_MS = 1500;
const AUTH = 'Bearer routed-caller-token';

const addressOf = (id: string): string => `127.0.0.${10 + Number(id.slice(1))}`;
const portOf = (id: string): number => workerPortRange().base + 140 + Number(id.slice(1));
const urlOf = (id: string): string => `http://${addressOf(id)}:${portOf(id)}`;

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: { node?: string; fence?: number; hops?: number; authorization?: string | null; error?: { code: string; message: string } };
}

async function call(id: string, number: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const isPost = init.method === 'POST';
  const res = await fetch(`${urlOf(id)}/numbers/${number}/${isPost ? 'writes' : 'whoami'}`, {
    method: init.method ?? 'GET',
    headers: { authorization: AUTH, ...(isPost ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(isPost ? { body: JSON.stringify(init.body ?? {}) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
}

async function startRouted(rig: ClusterRig, extra: Record<string, string> = {}): Promise<Member[]> {
  const started = IDS.map((id) => rig.start(id, { NODE_HTTP: '1', NODE_TEST_CONTROLS: '1', NODE_FORWARD_TIMEOUT: String(FORWARD_TIMEOUT_MS), NODE_ADVERTISE_URL: urlOf(id), ...extra }));
  await Promise.all(started.map((m) => m.waitForEvent((e) => e.event === 'ready' || e.event === 'error', 'ready')));
  for (const m of started) if (m.count('ready') === 0) throw new Error(`${m.nodeId} failed: ${m.stderr}`);
  await rig.query(MEMBER_WRITES_TABLE);
  return started;
}

/** Numbers and their owners (node, fence) once each node holds two. */
async function settled(rig: ClusterRig): Promise<Map<string, { nodeId: string; fence: number }>> {
  await rig.addNumbers(6);
  await rig.waitForShares({ n1: 2, n2: 2, n3: 2 });
  const owners = new Map<string, { nodeId: string; fence: number }>();
  for (const [n, o] of await rig.owners()) if (o.nodeId) owners.set(n, { nodeId: o.nodeId, fence: o.fence });
  return owners;
}

const others = (id: string): string[] => IDS.filter((x) => x !== id);

describe('routing by forwarding (DM-20)', () => {
  const { newRig } = clusterScenarios('routing');

  it('reaches the owner from any node, with the owner fence, one hop and the caller auth; a POST runs on the owner', async () => {
    const rig = await newRig();
    await startRouted(rig);
    const owners = await settled(rig);
    for (const [number, owner] of owners) {
      for (const id of IDS) {
        const answer = await call(id, number);
        expect(answer).toMatchObject({ status: 200, body: { node: owner.nodeId, fence: owner.fence, hops: id === owner.nodeId ? 0 : 1, authorization: AUTH } });
      }
      const [via] = others(owner.nodeId);
      expect(await call(via!, number, { method: 'POST', body: { text: 'hi' } })).toMatchObject({ status: 201, body: { node: owner.nodeId, fence: owner.fence, echo: { text: 'hi' } } });
    }
    expect(await call('n1', '5511999999999')).toMatchObject({ status: 404, body: { error: { code: 'CLUSTER_NUMBER_UNKNOWN' } } });
  });

  it('answers 421 to a call forwarded with a stale fence or to a node that does not own the number, 508 at the hop limit', async () => {
    const rig = await newRig();
    await startRouted(rig);
    const [number, owner] = [...(await settled(rig))][0]!;
    const stale = await call(owner.nodeId, number, { headers: { 'x-fence': String(owner.fence - 1), 'x-hops': '1' } });
    expect(stale).toMatchObject({ status: 421, body: { error: { code: 'CLUSTER_NOT_OWNER' } } });
    const [other] = others(owner.nodeId);
    expect(await call(other!, number, { headers: { 'x-fence': String(owner.fence), 'x-hops': '1' } })).toMatchObject({ status: 421, body: { error: { code: 'CLUSTER_NOT_OWNER' } } });
    expect(await call(other!, number, { headers: { 'x-fence': String(owner.fence), 'x-hops': '2' } })).toMatchObject({ status: 508, body: { error: { code: 'CLUSTER_HOP_LIMIT' } } });
    // The current fence is served.
    expect(await call(owner.nodeId, number, { headers: { 'x-fence': String(owner.fence), 'x-hops': '1' } })).toMatchObject({ status: 200, body: { node: owner.nodeId } });
  });

  it('after kill -9 of the owner: 502 while its lease runs, then the call reaches the new owner at fence + 1', async () => {
    const rig = await newRig();
    const members = await startRouted(rig);
    const owners = await settled(rig);
    const victim = members.find((m) => m.nodeId === 'n3')!;
    const numbers = [...owners].filter(([, o]) => o.nodeId === 'n3').map(([n]) => n);
    await call('n1', numbers[0]!);
    await victim.kill();
    const refused = await call('n1', numbers[0]!);
    expect(refused).toMatchObject({ status: 502, body: { error: { code: 'CLUSTER_OWNER_UNREACHABLE' } } });
    await rig.waitForShares({ n1: 3, n2: 3 }, 40_000);
    const after = await rig.owners();
    for (const number of numbers) {
      const owner = after.get(number)!;
      expect(owner.fence).toBe(owners.get(number)!.fence + 1);
      for (const id of ['n1', 'n2']) expect(await call(id, number)).toMatchObject({ status: 200, body: { node: owner.nodeId, fence: owner.fence } });
    }
  });

  it('answers 503 with Retry-After while nobody owns the number', async () => {
    const rig = await newRig();
    // A long grace: the dead node's numbers stay unowned well after its lease ran out.
    const members = await startRouted(rig, { CLUSTER_EXPIRY_GRACE: '60000' });
    const owners = await settled(rig);
    const number = [...owners].find(([, o]) => o.nodeId === 'n3')![0];
    await members.find((m) => m.nodeId === 'n3')!.kill();
    const answer = await waitFor(
      async () => {
        const a = await call('n1', number);
        return a.status === 503 ? a : null;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: '503 once the dead owner lease ran out' },
    );
    expect(answer.body.error?.code).toBe('CLUSTER_NO_OWNER');
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await rig.owners()).get(number)?.nodeId).toBeNull();
  });

  it('F-16: caches poisoned to point at each other end in at most two hops at the owner, no loop', async () => {
    const rig = await newRig();
    await startRouted(rig);
    const owners = await settled(rig);
    const [number, owner] = [...owners].find(([, o]) => o.nodeId === 'n3')!;
    const poison = async (at: string, to: string): Promise<void> => {
      const res = await fetch(`${urlOf(at)}/_test/poison`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ number, node: to, fence: owner.fence }) });
      expect(res.status).toBe(204);
    };
    await poison('n1', 'n2');
    await poison('n2', 'n1');
    expect(await call('n1', number)).toMatchObject({ status: 200, body: { node: 'n3', fence: owner.fence, hops: 2 } });
    // n1's cache was repaired by the 421; n2's is still poisoned.
    expect(await call('n1', number)).toMatchObject({ status: 200, body: { node: 'n3', hops: 1 } });
    expect(await call('n2', number, { method: 'POST', body: { n: 1 } })).toMatchObject({ status: 201, body: { node: 'n3', fence: owner.fence } });
  });
});

describe('a node cut off from its peers but not from Postgres (F-5)', () => {
  const { newRig } = clusterScenarios('routing_cut');
  let rule: string[] | null = null;
  beforeAll(async () => {
    await exec(path.join(ROOT, 'scripts', 'dev', 'ensure-packages.sh'), ['iptables'], { timeout: 240_000 });
  }, 240_000);
  afterEach(async () => {
    if (rule) await exec('iptables', ['-D', ...rule]);
    rule = null;
  });

  it('keeps ownership; forwarded calls get 504 (dropped) or 502 (reset) promptly with a coded body', async () => {
    const rig = await newRig();
    await startRouted(rig);
    const owners = await settled(rig);
    const [number] = [...owners].find(([, o]) => o.nodeId === 'n2')!;
    const lastMove = await rig.lastMoveId();

    rule = ['OUTPUT', '-p', 'tcp', '-d', addressOf('n2'), '--dport', String(portOf('n2')), '-j', 'DROP'];
    await exec('iptables', ['-I', ...rule]);
    const started = Date.now();
    expect(await call('n1', number)).toMatchObject({ status: 504, body: { error: { code: 'CLUSTER_OWNER_TIMEOUT', node: 'n2' } } });
    expect(Date.now() - started).toBeLessThan(FORWARD_TIMEOUT_MS + 1500);
    await exec('iptables', ['-D', ...rule]);

    rule = ['OUTPUT', '-p', 'tcp', '-d', addressOf('n2'), '--dport', String(portOf('n2')), '-j', 'REJECT', '--reject-with', 'tcp-reset'];
    await exec('iptables', ['-I', ...rule]);
    expect(await call('n3', number, { method: 'POST', body: {} })).toMatchObject({ status: 502, body: { error: { code: 'CLUSTER_OWNER_UNREACHABLE', node: 'n2' } } });

    // Two renewals of every node later, nothing moved: the partition is between nodes only.
    const [{ t } = { t: new Date() }] = await rig.query<{ t: Date }>('SELECT now() AS t');
    await waitFor(async () => (await rig.query<{ ok: boolean }>(`SELECT count(*) = 3 AND bool_and(renewed_at > $1::timestamptz + interval '2 seconds') AS ok FROM nodes WHERE expires_at > now()`, [t]))[0]?.ok, {
      timeoutMs: 20_000,
      what: 'two renewals of every node',
    });
    await rig.waitForShares({ n1: 2, n2: 2, n3: 2 });
    expect(await rig.moves(lastMove)).toEqual([]);
    await exec('iptables', ['-D', ...rule]);
    rule = null;
    expect(await call('n1', number)).toMatchObject({ status: 200, body: { node: 'n2' } });
  });
});
