import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import readline from 'node:readline';
import { SIM_BINARY, type PortRange } from './gateway.js';
import { mapLimit } from './numbers.js';
import { cpuMs, RUN_TAG, RUN_TAG_KEY } from './processes.js';

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/**
 * The floor of boot restore: the same stand-ins, in the same session folders and with the environment the
 * gateway would give them, started straight from here with the same concurrency and no gateway at all.
 * Resolves with the time (ms) from the first spawn until every one printed `Server started on`.
 */
export async function standInFloor(
  sessionDirs: readonly string[],
  concurrency: number,
  ports: PortRange,
): Promise<{ ms: number; perProcess: number[]; cpuSeconds: number }> {
  const running: Running[] = [];
  const perProcess: number[] = [];
  const started = performance.now();
  try {
    await mapLimit(sessionDirs, concurrency, async (cwd, index) => {
      const port = ports.base + index;
      if (port > ports.max) throw new Error(`port range ${ports.base}-${ports.max} too small for ${sessionDirs.length} stand-ins`);
      const spawnedAt = performance.now();
      const child = spawn(SIM_BINARY, ['rest'], {
        cwd,
        env: {
          PATH: process.env['PATH'] ?? '',
          APP_PORT: String(port),
          APP_HOST: '127.0.0.1',
          APP_BASIC_AUTH: `floor:${crypto.randomBytes(12).toString('hex')}`,
          APP_OS: 'bench floor',
          APP_DEBUG: 'false',
          DB_URI: 'file:storages/whatsapp.db?_foreign_keys=on',
          APP_UI_AUTO_UPDATE: 'false',
          MCP_ENABLED: 'false',
          [RUN_TAG_KEY]: RUN_TAG,
        },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      running.push({ child, exited });
      await new Promise<void>((resolve, reject) => {
        if (!child.stdout) throw new Error('no stdout');
        const lines = readline.createInterface({ input: child.stdout });
        lines.on('line', (line) => {
          if (!line.includes('Server started on')) return;
          perProcess.push(performance.now() - spawnedAt);
          lines.removeAllListeners('line');
          child.stdout?.resume();
          resolve();
        });
        void exited.then(() => reject(new Error(`stand-in in ${cwd} exited before it was ready`)));
      });
    });
    const ms = performance.now() - started;
    // CPU the stand-ins used up to the moment the last one was ready.
    const cpuSeconds = running.reduce((sum, r) => sum + (r.child.pid ? (cpuMs(r.child.pid) ?? 0) : 0), 0) / 1000;
    return { ms, perProcess, cpuSeconds };
  } finally {
    for (const { child } of running) child.kill('SIGTERM');
    await Promise.all(running.map((r) => r.exited));
  }
}
