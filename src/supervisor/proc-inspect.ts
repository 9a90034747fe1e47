import fs from 'node:fs';
import path from 'node:path';

export interface ProcInfo {
  readonly argv: readonly string[];
  readonly cwd: string;
}

/** What /proc says about a PID, or null when it is gone or not ours to read. */
export function readProcInfo(pid: number): ProcInfo | null {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    return { argv, cwd };
  } catch {
    return null;
  }
}

/**
 * A PID from a previous run is only ours if it still runs a `rest` server in this number's session folder.
 * PIDs get reused: anything else (another program, another folder) must never be touched.
 */
export function isOurChild(info: ProcInfo, sessionDir: string): boolean {
  return path.resolve(info.cwd) === path.resolve(sessionDir) && info.argv.includes('rest');
}
