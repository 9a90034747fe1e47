/**
 * The child watchdog (DM-16): a process of its own beside the gateway, because what it guards against is the
 * gateway's own event loop standing still (SIGSTOP, a blocked loop, a long GC, a frozen VM's guest scheduler).
 * It holds the process groups of the gateway's children and SIGKILLs them all when nothing has come down the
 * pipe for the timeout; it kills them too, and exits, when the pipe closes (the gateway is gone, even on a host
 * without setpriv). It never restarts anything: the gateway does, once it runs again and has read the report.
 *
 *   node dist/supervisor/watchdog/main.js <timeout-ms>
 *
 * It reads nothing else and writes only its reports (protocol.ts) on stdout, synchronously, so a report is in
 * the pipe before the gateway can see the exit of a child it killed.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { encode, parseToWatchdog, type FromWatchdog } from './protocol.js';

const timeoutMs = Number(process.argv[2]);
if (!Number.isInteger(timeoutMs) || timeoutMs < 100) {
  process.stderr.write('usage: watchdog <timeout-ms ≥ 100>\n');
  process.exit(2);
}

const groups = new Set<number>();
let lastHeard = performance.now();

function report(message: FromWatchdog): void {
  try {
    fs.writeSync(1, encode(message));
  } catch {
    // The gateway is gone (EPIPE): the end of stdin follows and ends this process.
  }
}

function killAll(): FromWatchdog & { t: 'fired' } {
  const killed: number[] = [];
  const failed: { pgid: number; error: string }[] = [];
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
      killed.push(pgid);
    } catch (err) {
      // ESRCH: the group is gone already (the gateway has not said so yet); anything else is reported.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ESRCH') failed.push({ pgid, error: code ?? String(err) });
    }
  }
  groups.clear();
  return { t: 'fired', quietMs: Math.round(performance.now() - lastHeard), killed, failed };
}

// Armed while the gateway is heard from; fires once per silence (the next line from the gateway re-arms it).
const quiet = setTimeout(() => report(killAll()), timeoutMs);

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  lastHeard = performance.now();
  quiet.refresh();
  const message = parseToWatchdog(line);
  if (message?.t === 'watch') groups.add(message.pgid);
  else if (message?.t === 'unwatch') groups.delete(message.pgid);
  else if (message?.t === 'sync') report({ t: 'synced', id: message.id });
});
lines.on('close', () => {
  // The gateway closed the pipe or died: nothing supervises the children any more.
  killAll();
  process.exit(0);
});

report({ t: 'ready', timeoutMs });
