import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { execa } from 'execa';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** Set when the process could not be spawned at all (e.g. ENOENT). */
  readonly error: string | null;
}

export interface SpawnOptions {
  readonly binary: string;
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** SIGTERM first; SIGKILL if still alive this long after. */
  readonly stopGraceMs: number;
  readonly onLine: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** One running binary: spawn it, read its output line by line, stop it gracefully, learn how it ended. */
export interface ChildProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<ChildExit>;
  /** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
  stop(): Promise<ChildExit>;
  /** SIGKILL at once (a hung child ignores SIGTERM). */
  kill(): void;
}

export function spawnChild(options: SpawnOptions): ChildProcess {
  const subprocess = execa(options.binary, ['rest'], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    buffer: false,
    forceKillAfterDelay: options.stopGraceMs,
  });
  follow(subprocess.stdout, (line) => options.onLine('stdout', line));
  follow(subprocess.stderr, (line) => options.onLine('stderr', line));

  const exited: Promise<ChildExit> = subprocess.then(
    (result) => ({
      code: result.exitCode ?? null,
      signal: result.signal ?? null,
      error: result.exitCode === undefined && result.signal === undefined ? (result.originalMessage ?? result.shortMessage ?? "spawn failed") : null,
    }),
    (err: unknown) => ({ code: null, signal: null, error: err instanceof Error ? err.message : String(err) }),
  );

  return {
    pid: subprocess.pid,
    exited,
    stop: () => {
      subprocess.kill('SIGTERM');
      return exited;
    },
    kill: () => {
      subprocess.kill('SIGKILL');
    },
  };
}

function follow(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', onLine);
}
