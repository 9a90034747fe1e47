import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The command prefix that makes a child die with the gateway: util-linux `setpriv --pdeathsig KILL` sets the
 * kernel's parent-death signal (PR_SET_PDEATHSIG) and then execs the binary, so the child keeps its PID, its
 * argv and its output pipes, and gets SIGKILL the moment the gateway is gone, even after a SIGKILL of the
 * gateway. A watchdog would need a process per child and could itself be killed; a wrapper of our own would
 * need a compiler on every host. null where setpriv is missing or too old (before util-linux 2.33): children
 * then outlive a killed gateway until the next boot, whose stale-PID check stops them (the second line).
 */
export function parentDeathPrefix(searchPath: string): readonly string[] | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, 'setpriv');
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      continue;
    }
    const help = spawnSync(file, ['--help'], { encoding: 'utf8', timeout: 2000 });
    if (help.status === 0 && help.stdout.includes('--pdeathsig')) return [file, '--pdeathsig', 'KILL', '--'];
  }
  return null;
}
