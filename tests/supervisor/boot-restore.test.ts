import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { makeDataRoot, SIM_BINARY, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { pairChild, spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { isAlive, waitFor, waitForExit } from '../helpers/wait.js';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

/** Log the number in through the stand-in's control API, so its folder holds a saved session. */
async function pair(gw: TestGateway, phone: string): Promise<void> {
  const client = gw.gateway.supervisor.runner(phone)?.client;
  if (!client) throw new Error('not running');
  await client.request('GET', '/app/login');
  await client.request('POST', '/_sim/pair', { body: {} });
}

describe('boot restore (in-process restart)', () => {
  const ACTIVE = '5511920000001';
  const USER_STOPPED = '5511920000002';
  const NEVER_PAIRED = '5511920000003';
  const FAILED = '5511920000004';
  const REPLACED = '5511920000005';
  const dataRoot = makeDataRoot();
  let unrelated: ChildProcess;
  let orphan: ChildProcess;

  it('restores active, failed and shutdown-stopped numbers that hold a session; leaves user-stopped ones', async () => {
    const first = await startTestGateway({ dataRoot });
    cleanup.push(() => first.close());
    for (const phone of [ACTIVE, USER_STOPPED, NEVER_PAIRED, FAILED, REPLACED]) {
      expect((await first.request('POST', '/api/devices', { body: { phoneNumber: phone } })).status).toBe(201);
    }
    for (const phone of [ACTIVE, USER_STOPPED, FAILED, REPLACED]) await pair(first, phone);
    await first.request('POST', `/api/devices/${USER_STOPPED}/stop`);
    await first.gateway.supervisor.runner(REPLACED)?.client?.request('POST', '/_sim/stream-replaced', { body: {} });
    await waitFor(() => first.gateway.supervisor.runner(REPLACED)?.state === 'replaced', { what: 'replaced' });
    await first.close();
    first.gateway.database.close();

    // Between runs: a failed number (error state), a PID reused by an unrelated program, and an orphan of ours.
    unrelated = spawn('sleep', ['120'], { stdio: 'ignore' });
    cleanup.push(() => unrelated.kill('SIGKILL'));
    orphan = spawn(SIM_BINARY, ['rest'], { cwd: path.join(dataRoot, 'sessions', ACTIVE), env: { PATH: process.env['PATH'] ?? '', APP_PORT: '0', APP_HOST: '127.0.0.1' }, stdio: 'ignore' });
    cleanup.push(() => orphan.kill('SIGKILL'));
    await waitFor(() => fs.existsSync(`/proc/${orphan.pid}/cwd`) && fs.readlinkSync(`/proc/${orphan.pid}/cwd`).endsWith(ACTIVE), { what: 'orphan running' });

    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dataRoot, 'volumes', 'whatsapp.db'));
    db.prepare("UPDATE devices SET state = 'failed' WHERE phone_number = ?").run(FAILED);
    db.prepare('UPDATE devices SET pid = ? WHERE phone_number = ?').run(unrelated.pid, USER_STOPPED);
    db.prepare('UPDATE devices SET pid = ? WHERE phone_number = ?').run(orphan.pid, ACTIVE);
    db.close();

    const second = await startTestGateway({ dataRoot });
    cleanup.push(() => second.close());
    const summary = second.gateway.supervisor.lastRestore;
    expect(summary.restored.sort()).toEqual([ACTIVE, FAILED].sort());
    expect(summary.failed).toEqual([]);
    expect(summary.skipped).toEqual(
      expect.arrayContaining([
        { phoneNumber: USER_STOPPED, reason: 'stopped by a user' },
        { phoneNumber: NEVER_PAIRED, reason: 'no saved session in its folder' },
        { phoneNumber: REPLACED, reason: 'session was opened elsewhere (replaced); start it by hand' },
      ]),
    );
    const states = Object.fromEntries(
      (await second.request<{ devices: { phoneNumber: string; state: string }[] }>('GET', '/api/devices')).body.devices.map((d) => [d.phoneNumber, d.state]),
    );
    expect(states).toEqual({ [ACTIVE]: 'running', [USER_STOPPED]: 'stopped', [NEVER_PAIRED]: 'stopped', [FAILED]: 'running', [REPLACED]: 'replaced' });

    // The unrelated process that reused a recorded PID is untouched; our own orphan was stopped first.
    expect(isAlive(unrelated.pid ?? -1)).toBe(true);
    await waitForExit(orphan.pid ?? -1);
    const exposed = await second.request<{ restored: string[] }>('GET', '/api/health/restore');
    expect(exposed.status).toBe(200);
    expect(exposed.body.restored.sort()).toEqual([ACTIVE, FAILED].sort());
    // The audit log has the gateway's own decisions: each number started, and the run as a whole.
    const audit = second.gateway.database.sqlite.prepare("SELECT action, result, phone_number, actor_type, params FROM audit_events WHERE action IN ('number.restore', 'system.boot_restore') ORDER BY id").all() as { action: string; phone_number: string | null; actor_type: string; params: string }[];
    expect(audit.filter((r) => r.action === 'number.restore').map((r) => r.phone_number).sort()).toEqual([ACTIVE, FAILED].sort());
    expect(audit.at(-1)).toMatchObject({ action: 'system.boot_restore', actor_type: 'system' });
    expect(JSON.parse(audit.at(-1)?.params ?? '{}')).toEqual({ restored: 2, skipped: 3, failed: 0 });
  });
});

describe('boot restore while users act', () => {
  it('leaves a number stopped or deleted during the restore as the user left it', async () => {
    const dataRoot = makeDataRoot();
    const phones = ['5511920000021', '5511920000022', '5511920000023'];
    const [FIRST, STOPPED, DELETED] = phones as [string, string, string];
    const first = await startTestGateway({ dataRoot });
    cleanup.push(() => first.close());
    for (const phone of phones) {
      await first.request('POST', '/api/devices', { body: { phoneNumber: phone } });
      await pair(first, phone);
    }
    await first.close();

    const second = await startTestGateway({ dataRoot, restore: false, env: { RESTORE_CONCURRENCY: '1' } });
    cleanup.push(() => second.close());
    // restore() knows every number at once; the user's stop and delete take those numbers' locks before any
    // restore task reaches them (the tasks wait for stale-PID checks, the queue and their jitter first).
    const { supervisor } = second.gateway;
    const restoring = second.gateway.restore();
    await Promise.all([supervisor.stop(STOPPED), supervisor.remove(DELETED, false)]);
    const summary = await restoring;
    expect(summary.restored).toContain(FIRST);
    expect(summary.restored).not.toContain(DELETED);
    expect(second.gateway.supervisor.runner(FIRST)?.state).toBe('running');
    expect(second.gateway.supervisor.runner(STOPPED)?.state).toBe('stopped');
    expect(second.gateway.supervisor.runner(DELETED)).toBeUndefined();
    // Nothing runs in the deleted number's folder (the test run's leak check would also catch it).
    const strays = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && (() => {
      try {
        return fs.readlinkSync(`/proc/${p}/cwd`).endsWith(`/sessions/${DELETED}`);
      } catch {
        return false;
      }
    })());
    expect(strays).toEqual([]);
  });
});

describe('gateway killed with SIGKILL', () => {
  it('takes its children with it within a second, and runs the numbers again at the next boot', async () => {
    const dataRoot = makeDataRoot();
    const PHONE = '5511920000010';
    const OTHER = '5511920000011';
    let gw: GatewayProcess = await spawnGateway(dataRoot);
    cleanup.push(() => gw.child.kill('SIGKILL'));
    const orphans: number[] = [];
    for (const phone of [PHONE, OTHER]) {
      const created = await gw.request<{ pid: number; state: string }>('POST', '/api/devices', { phoneNumber: phone });
      expect(created.body.state).toBe('running');
      orphans.push(created.body.pid);
      await pairChild(created.body.pid);
    }
    // The parent-death signal is set at spawn: a quiet child must not stay connected to WhatsApp without us.
    expect(gw.output.join('\n')).not.toContain('setpriv (util-linux');

    gw.child.kill('SIGKILL');
    await gw.exited;
    for (const pid of orphans) await waitForExit(pid, 1000);

    gw = await spawnGateway(dataRoot);
    cleanup.push(() => gw.child.kill('SIGKILL'));
    const after = await waitFor(async () => {
      const res = await gw.request<{ state: string; pid: number }>('GET', `/api/devices/${PHONE}`);
      return res.body.state === 'running' ? res.body : null;
    }, { what: 'number restored' });
    expect(orphans).not.toContain(after.pid);
    expect(isAlive(after.pid)).toBe(true);

    // SIGTERM: children stopped, marked stopped by the shutdown (so the next boot restores them), exit 0.
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(after.pid)).toBe(false);
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dataRoot, 'volumes', 'whatsapp.db'), { readonly: true });
    expect(db.prepare('SELECT state, desired_state, stop_reason, pid FROM devices WHERE phone_number = ?').get(PHONE)).toEqual({
      state: 'stopped',
      desired_state: 'running',
      stop_reason: 'shutdown',
      pid: null,
    });
    db.close();
    expect(fs.existsSync(path.join(dataRoot, 'volumes', 'gateway.pid'))).toBe(false);
  });
});
