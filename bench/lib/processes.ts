import crypto from 'node:crypto';
import fs from 'node:fs';

/**
 * Every process a benchmark run starts carries `SIM_BENCH_RUN=<id>` in its environment (the gateway passes
 * `SIM_*` variables on to its children), so the run can find and kill whatever is left, even after a failure.
 */
export const RUN_TAG_KEY = 'SIM_BENCH_RUN';
export const RUN_TAG = crypto.randomUUID();

export function environOf(pid: number): Map<string, string> | null {
  try {
    const entries = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const env = new Map<string, string>();
    for (const entry of entries) {
      const eq = entry.indexOf('=');
      if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
    return env;
  } catch {
    return null;
  }
}

/** Resident set size in MB (VmRSS), or null when the process is gone. */
export function rssMb(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms, or null when it is gone. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** PIDs of live processes carrying this run's tag. */
export function taggedPids(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    if (environOf(Number(entry))?.get(RUN_TAG_KEY) === RUN_TAG) {
      // Zombies keep their environ readable only briefly; skip what is already dead.
      const state = /State:\s+(\w)/.exec(safeRead(`/proc/${entry}/status`))?.[1];
      if (state !== 'Z') pids.push(Number(entry));
    }
  }
  return pids;
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/State:\s+Z/.test(safeRead(`/proc/${pid}/status`));
  } catch {
    return false;
  }
}

/** SIGKILL every process of this run and wait until they are gone; returns how many there were. */
export async function killTagged(timeoutMs = 10_000): Promise<number> {
  const pids = taggedPids();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(50);
  return pids.length;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` until it returns a value other than undefined/false, or throw after the deadline. */
export async function waitUntil<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string, pollMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** Busy and total CPU ticks of the whole machine since boot (/proc/stat, all cores). */
function machineTicks(): { busy: number; total: number } {
  const fields = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

export interface MachineLoad {
  /** Share of the whole machine (all cores = 100 %) that was busy. */
  readonly busyPercent: number;
  /** Share of the whole machine used by programs that are not part of this benchmark run. */
  readonly othersPercent: number;
}

/**
 * Other work on the machine skews every figure; this measures how much there was during a phase: machine-wide
 * busy time minus the CPU time of this run's own processes (the bench process and everything it tagged).
 */
export function machineLoadMeter(): () => MachineLoad {
  const pids = new Set([process.pid, ...taggedPids()]);
  const ours = (): number => [...pids].reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
  const start = machineTicks();
  const oursStart = ours();
  return () => {
    for (const pid of taggedPids()) pids.add(pid);
    const end = machineTicks();
    const elapsedTicks = end.total - start.total;
    if (elapsedTicks <= 0) return { busyPercent: 0, othersPercent: 0 };
    const busyTicks = end.busy - start.busy;
    const oursTicks = ((ours() - oursStart) * TICKS_PER_SECOND) / 1000;
    return {
      busyPercent: Math.round((busyTicks / elapsedTicks) * 100),
      othersPercent: Math.max(0, Math.round(((busyTicks - oursTicks) / elapsedTicks) * 100)),
    };
  };
}
