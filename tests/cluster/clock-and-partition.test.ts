/**
 * Two faults that need the host's own tools (installed by the project's script): a member cut off from Postgres
 * while everything else still reaches it (F-4: iptables drops its packets, so its queries time out rather than
 * fail fast), and a wall clock jumping on one member (F-8: libfaketime moves CLOCK_REALTIME only).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { clusterScenarios, FAST, type ClusterRig } from '../helpers/cluster-members.js';
import { ROOT } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const exec = promisify(execFile);
/** The address only the partitioned member uses to reach Postgres: dropping it cuts that member off alone. */
const CUT_OFF_ADDRESS = '127.0.0.12';

let faketimeLibrary = '';
beforeAll(async () => {
  await exec(path.join(ROOT, 'scripts', 'dev', 'ensure-packages.sh'), ['faketime', 'iptables'], { timeout: 240_000 });
  const { stdout } = await exec('dpkg', ['-L', 'libfaketime']);
  faketimeLibrary = stdout.split('\n').find((f) => f.endsWith('/libfaketime.so.1')) ?? '';
  if (!faketimeLibrary) throw new Error('libfaketime.so.1 not found after installing faketime');
}, 240_000);

/** Every live member renewed `times` heartbeats after the database's `now()` at the call. */
async function renewedSince(rig: ClusterRig, times: number): Promise<void> {
  const [{ t } = { t: new Date() }] = await rig.query<{ t: Date }>('SELECT now() AS t');
  const after = Number(FAST.CLUSTER_HEARTBEAT_INTERVAL) * times;
  await waitFor(
    async () => (await rig.query<{ ok: boolean }>(`SELECT count(*) = 3 AND bool_and(renewed_at > $1::timestamptz + $2 * interval '1 millisecond') AS ok FROM nodes WHERE expires_at > now()`, [t, after]))[0]?.ok,
    { timeoutMs: 30_000, what: `${times} renewals of every member` },
  );
}

describe('a member cut off from Postgres only (F-4)', () => {
  const { server, newRig } = clusterScenarios('partition', { listen: [CUT_OFF_ADDRESS] });
  let rule: string[] | null = null;
  afterEach(async () => {
    if (rule) await exec('iptables', ['-D', ...rule]);
    rule = null;
  });

  it('stops its numbers before its lease runs out; the others take them only after that; it rejoins once healed', async () => {
    const rig = await newRig();
    const url = new URL(rig.url);
    url.hostname = CUT_OFF_ADDRESS;
    await rig.startAll(['n1', 'n3']);
    await rig.startAll(['n2'], { DATABASE_URL: url.toString() });
    const numbers = await rig.addNumbers(30);
    const held = await rig.waitForShares({ n1: 10, n2: 10, n3: 10 });
    const ofN2 = new Set(held.get('n2'));
    const before = await rig.lastMoveId();

    rule = ['OUTPUT', '-p', 'tcp', '-d', CUT_OFF_ADDRESS, '--dport', String(server().port), '-j', 'DROP'];
    await exec('iptables', ['-I', ...rule]);
    const n2 = rig.members.find((m) => m.nodeId === 'n2')!;
    const fenced = await n2.waitForEvent((e) => e.event === 'fenced', 'self-fence', Number(FAST.CLUSTER_LEASE_TTL) + 15_000);
    await rig.waitForShares({ n1: 15, n3: 15 }, 40_000);
    expect(n2.alive()).toBe(true);

    const claims = (await rig.moves(before)).filter((m) => m.toNode !== null && ofN2.has(m.phoneNumber));
    expect(new Set(claims.map((m) => m.phoneNumber))).toEqual(ofN2);
    // The database clock and the member's clock are the same host clock here.
    for (const claim of claims) expect(claim.at.getTime()).toBeGreaterThan(fenced.t);
    expect(await rig.writeSafety()).toMatchObject({ stale: 0, overlapNumbers: 0 });

    await exec('iptables', ['-D', ...rule]);
    rule = null;
    await n2.waitForEvent((e) => e.event === 'joined' && e.rejoin === true, 'rejoin after the heal', 30_000);
    await rig.waitForShares({ n1: 10, n2: 10, n3: 10 }, 60_000);
    expect((await rig.owners()).size).toBe(numbers.length);
    expect(await rig.writeSafety()).toMatchObject({ stale: 0, overlapNumbers: 0 });
  });
});

describe('a wall-clock jump on one member (F-8)', () => {
  const { newRig } = clusterScenarios('clock');
  const folders: string[] = [];
  afterEach(() => {
    for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('moves nothing: +120 s and then −120 s on one member, several renewals each, no assignment changes', async () => {
    const rig = await newRig();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-gw-clock-'));
    folders.push(dir);
    const clock = path.join(dir, 'offset');
    fs.writeFileSync(clock, '+0s');
    await rig.startAll(['n1', 'n2']);
    // Re-read the offset each second; monotonic clocks (timers, lease deadlines) stay real.
    const [n3] = await rig.startAll(['n3'], { LD_PRELOAD: faketimeLibrary, FAKETIME_TIMESTAMP_FILE: clock, FAKETIME_CACHE_DURATION: '1', DONT_FAKE_MONOTONIC: '1' });
    await rig.addNumbers(30);
    await rig.waitForShares({ n1: 10, n2: 10, n3: 10 });
    const owners = await rig.owners();
    const before = await rig.lastMoveId();

    for (const [offset, ms] of [['+120s', 120_000], ['-120s', -120_000]] as const) {
      fs.writeFileSync(clock, offset);
      // The member's own wall clock moved (its lines carry it).
      await waitFor(
        () => {
          n3!.signal('SIGUSR2');
          const last = n3!.events.filter((e) => e.event === 'clock').at(-1);
          return last !== undefined && Math.abs(last.t - Date.now() - ms) < 10_000;
        },
        { intervalMs: 500, what: `n3's clock at ${offset}` },
      );
      await renewedSince(rig, 3);
    }

    expect(await rig.moves(before)).toEqual([]);
    expect(await rig.owners()).toEqual(owners);
    for (const member of rig.members) {
      // The reasons and fences say, on a failure, which of the loss paths was taken.
      const lost = member.events.filter((e) => e.event === 'lost').map((e) => `${String(e.number)}#${String(e.fence)} ${String(e.reason)}`);
      expect({ node: member.nodeId, alive: member.alive(), fenced: member.count('fenced'), lost }).toEqual({ node: member.nodeId, alive: true, fenced: 0, lost: [] });
    }
    expect(await rig.writeSafety()).toMatchObject({ stale: 0, overlapNumbers: 0 });
  });
});
