import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { type ApiDevice, makeDataRoot, workerPortRange } from '../helpers/gateway.js';
import { pairChild, procStat, spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { isAlive, waitFor } from '../helpers/wait.js';

/**
 * The child watchdog (DM-16) with real processes: gateways (`node dist/main.js`) paused with SIGSTOP or killed with
 * SIGKILL, their stand-in children and the watchdog beside each.
 */
const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

interface TimelineEntry {
  type: string;
  fromState: string | null;
  toState: string | null;
  detail: { reason?: string; quietMs?: number; signal?: string } | null;
}

/** A gateway process in its own slice of the worker's child ports (two run side by side here). */
async function gateway(slice: number, env: Record<string, string>): Promise<GatewayProcess> {
  const { base } = workerPortRange();
  const gw = await spawnGateway(makeDataRoot(), { PROCESS_BASE_PORT: String(base + slice * 50), PROCESS_MAX_PORT: String(base + slice * 50 + 49), ...env });
  cleanup.push(async () => {
    if (gw.child.exitCode !== null || gw.child.signalCode !== null) return;
    gw.child.kill('SIGCONT');
    gw.child.kill('SIGTERM');
    await gw.exited;
  });
  return gw;
}

async function addNumber(gw: GatewayProcess, phoneNumber: string): Promise<number> {
  const created = await gw.request<ApiDevice>('POST', '/api/devices', { phoneNumber });
  expect(created).toMatchObject({ status: 201, body: { state: 'running' } });
  return created.body.pid!;
}

async function watchdogPid(gw: GatewayProcess): Promise<number> {
  const health = await gw.request<{ supervisor: { watchdog: { enabled: boolean; pid: number | null } } }>('GET', '/api/health/detailed');
  expect(health.body.supervisor.watchdog.enabled).toBe(true);
  return health.body.supervisor.watchdog.pid!;
}

const device = async (gw: GatewayProcess, phone: string): Promise<ApiDevice> => (await gw.request<ApiDevice>('GET', `/api/devices/${phone}`)).body;
const timeline = async (gw: GatewayProcess, phone: string): Promise<TimelineEntry[]> => (await gw.request<{ entries: TimelineEntry[] }>('GET', `/api/devices/${phone}/timeline`)).body.entries;

/** Running again on a child other than `old`, in the given session state. */
function runningAgain(gw: GatewayProcess, phone: string, old: number, sessionState: string): Promise<ApiDevice> {
  return waitFor(
    async () => {
      const d = await device(gw, phone);
      return d.state === 'running' && d.pid !== null && d.pid !== old && d.sessionState === sessionState ? d : null;
    },
    { timeoutMs: 30_000, what: `${phone} running again (${sessionState})` },
  );
}

describe('child watchdog: a paused gateway', () => {
  const PAIRED = '5511930000001';
  const FRESH = '5511930000002';
  const UNWATCHED = '5511930000003';

  it('SIGSTOP → the children die within CHILD_WATCHDOG_TIMEOUT while the gateway is stopped; SIGCONT → they run again, not counted as crashes; with 0 they survive the pause', async () => {
    // The default timeout (5 s), so the unwatched gateway is compared against what it would do without the 0.
    // CRASH_LOOP_MAX=1: if a watchdog kill counted as a crash, the second pause below would send the numbers to `failed`.
    const [watched, unwatched] = await Promise.all([
      gateway(0, { CHILD_WATCHDOG_TIMEOUT: '5', CRASH_LOOP_MAX: '1' }),
      gateway(1, { CHILD_WATCHDOG_TIMEOUT: '0' }),
    ]);
    const children = [await addNumber(watched, PAIRED), await addNumber(watched, FRESH)];
    await pairChild(children[0]!);
    await waitFor(async () => (await device(watched, PAIRED)).sessionState === 'logged_in', { what: 'the paired number logged in' });
    const freshSession = (await device(watched, FRESH)).sessionState;
    const lone = await addNumber(unwatched, UNWATCHED);
    const dog = await watchdogPid(watched);
    // Each child leads a process group of its own (what the watchdog kills), apart from the gateway's.
    for (const pid of [...children, lone]) expect(procStat(pid).pgrp).toBe(pid);
    expect(procStat(dog).pgrp).toBe(dog);
    expect(procStat(children[0]!).pgrp).not.toBe(procStat(watched.child.pid!).pgrp);
    expect(unwatched.output.join('\n')).toContain('CHILD_WATCHDOG_TIMEOUT=0');

    let previous = children;
    for (const round of [1, 2]) {
      watched.child.kill('SIGSTOP');
      if (round === 1) unwatched.child.kill('SIGSTOP');
      await waitFor(() => previous.every((pid) => !isAlive(pid)), { timeoutMs: 20_000, what: `round ${round}: the paused gateway's children killed` });
      // Killed by the watchdog, not by a gateway that ran again: it is still stopped.
      expect(procStat(watched.child.pid!).state).toBe('T');
      if (round === 1) {
        expect(procStat(unwatched.child.pid!).state).toBe('T');
        expect(isAlive(lone)).toBe(true);
        unwatched.child.kill('SIGCONT');
      }
      watched.child.kill('SIGCONT');
      const again = [await runningAgain(watched, PAIRED, previous[0]!, 'logged_in'), await runningAgain(watched, FRESH, previous[1]!, freshSession)];
      previous = again.map((d) => d.pid!);
    }

    for (const phone of [PAIRED, FRESH]) {
      const d = await device(watched, phone);
      // Not a crash: no restart counted, state as before; the kill itself is named on the device and in the timeline.
      expect(d).toMatchObject({ state: 'running', restartCount: 0, lastExitSignal: 'SIGKILL' });
      const entries = await timeline(watched, phone);
      const kills = entries.filter((e) => e.type === 'watchdog_killed');
      expect(kills).toHaveLength(2);
      for (const k of kills) {
        expect(k).toMatchObject({ fromState: 'running', toState: 'backoff', detail: { signal: 'SIGKILL' } });
        expect(k.detail?.reason).toMatch(/^killed by the child watchdog: the gateway was unresponsive for \d+\.\d s$/);
      }
      expect(entries.map((e) => e.type)).not.toContain('crashed');
      expect(entries.map((e) => e.type)).not.toContain('gave_up');
    }
    const health = await watched.request<{ status: string; supervisor: { watchdog: { fired: number; pid: number; lastFired: { killed: number[] } } } }>('GET', '/api/health/detailed');
    expect(health.body).toMatchObject({ status: 'ok', supervisor: { watchdog: { fired: 2, pid: dog } } });
    expect(health.body.supervisor.watchdog.lastFired.killed).toHaveLength(2);
    expect(watched.output.join('\n')).toMatch(/child watchdog: the gateway was unresponsive for \d+\.\d s; it killed 2 child process group/);
    // The audit log names each kill as what it was, never as a crash.
    const audit = async (action: string) => (await watched.request<{ entries: { phoneNumber: string }[] }>('GET', `/api/audit?action=${action}`)).body.entries;
    expect((await audit('number.watchdog_kill')).map((e) => e.phoneNumber).sort()).toEqual([PAIRED, PAIRED, FRESH, FRESH]);
    expect(await audit('number.crash')).toEqual([]);
    const metrics = await (await fetch(`${watched.url}/metrics`)).text();
    expect(metrics).toMatch(/^wa_child_watchdog_kills_total 4$/m);
    expect(metrics).toMatch(/^wa_child_watchdog_up 1$/m);

    // The unwatched gateway's child ran through the pause untouched.
    expect(await device(unwatched, UNWATCHED)).toMatchObject({ state: 'running', pid: lone });
    expect((await timeline(unwatched, UNWATCHED)).map((e) => e.type)).not.toContain('watchdog_killed');

    // A graceful stop ends the watchdog too.
    watched.child.kill('SIGTERM');
    expect(await watched.exited).toEqual({ code: 0, signal: null });
    await waitFor(() => !isAlive(dog), { what: 'the watchdog gone after the shutdown' });
  }, 150_000);
});

describe('child watchdog: the watchdog itself killed', () => {
  it('is started again and told every child, so the next pause is still caught', async () => {
    const gw = await gateway(0, { CHILD_WATCHDOG_TIMEOUT: '3' });
    const phone = '5511930000021';
    const child = await addNumber(gw, phone);
    const first = await watchdogPid(gw);
    process.kill(first, 'SIGKILL');
    const second = await waitFor(async () => {
      const pid = await watchdogPid(gw);
      return pid !== null && pid !== first ? pid : null;
    }, { what: 'a new watchdog' });
    expect(gw.output.join('\n')).toContain('child watchdog exited; starting it again');

    gw.child.kill('SIGSTOP');
    await waitFor(() => !isAlive(child), { timeoutMs: 20_000, what: 'the child killed by the new watchdog' });
    expect(procStat(gw.child.pid!).state).toBe('T');
    gw.child.kill('SIGCONT');
    await runningAgain(gw, phone, child, (await device(gw, phone)).sessionState);
    expect(isAlive(second)).toBe(true);
  }, 90_000);
});

describe('child watchdog: a gateway killed with SIGKILL', () => {
  it('takes the children with it even where setpriv is missing, and exits itself', async () => {
    // A PATH with what the stand-in needs but no setpriv: children get no parent-death signal, only the watchdog.
    const bin = makeDataRoot('wa-gw-nosetpriv-');
    cleanup.push(() => fs.rmSync(bin, { recursive: true, force: true }));
    for (const tool of ['node', 'bash', 'dirname', 'readlink']) {
      const found = (process.env['PATH'] ?? '').split(path.delimiter).map((dir) => path.join(dir, tool)).find((file) => fs.existsSync(file));
      fs.symlinkSync(found!, path.join(bin, tool));
    }
    // A timeout far beyond this test: what kills the children here is the end of the pipe, not a silence.
    const gw = await gateway(0, { PATH: bin, CHILD_WATCHDOG_TIMEOUT: '600' });
    expect(gw.output.join('\n')).toContain('setpriv (util-linux ≥ 2.33) not found on PATH');
    const children = [await addNumber(gw, '5511930000011'), await addNumber(gw, '5511930000012')];
    const dog = await watchdogPid(gw);
    expect(isAlive(dog)).toBe(true);

    gw.child.kill('SIGKILL');
    await gw.exited;
    await waitFor(() => ![...children, dog].some(isAlive), { what: 'the children and the watchdog gone with the gateway' });
  }, 90_000);
});
