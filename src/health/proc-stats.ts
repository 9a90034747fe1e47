import fs from 'node:fs';

export interface ProcSample {
  /** user + system CPU time of the process, in clock ticks. */
  readonly cpuTicks: number;
  readonly rssBytes: number;
  readonly at: number;
}

/** Linux reports CPU time in ticks of 1/100 s (USER_HZ is 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/** Read one process's CPU time and resident memory from /proc; null when it is gone. */
export function readProcSample(pid: number, now: number): ProcSample | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuTicks, rssBytes: rssKb * 1024, at: now };
  } catch {
    return null;
  }
}

/** CPU use between two samples, as a percentage of one core. */
export function cpuPercent(previous: ProcSample, current: ProcSample): number {
  const seconds = (current.at - previous.at) / 1000;
  if (seconds <= 0) return 0;
  return Math.max(0, ((current.cpuTicks - previous.cpuTicks) / TICKS_PER_SECOND / seconds) * 100);
}
