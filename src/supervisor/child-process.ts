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
  /** Runs the binary through this command (parent-death.ts), so it dies with the gateway; null = directly. */
  readonly wrapper: readonly string[] | null;
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
  const [file = options.binary, ...args] = [...(options.wrapper ?? []), options.binary, 'rest'];
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    buffer: false,
    forceKillAfterDelay: options.stopGraceMs,
    // Its own process group (setsid; the pid is the group's id), which the child watchdog kills as a whole, and
    // which a signal to the gateway's group (^C, ^Z in a terminal) does not reach: the gateway stops its children.
    detached: true,
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

/** Longer lines are cut: a child printing megabytes without a newline must not grow the gateway's memory. */
const MAX_LINE = 16 * 1024;

function follow(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  stream.setEncoding('utf8');
  let pending = '';
  let dropping = false;
  stream.on('data', (chunk: string) => {
    const parts = (pending + chunk).split(/\r?\n/);
    pending = parts.pop() ?? '';
    for (const line of parts) {
      if (!dropping) onLine(line);
      dropping = false;
    }
    if (pending.length > MAX_LINE) {
      if (!dropping) onLine(`${pending.slice(0, MAX_LINE)} …[line cut at ${MAX_LINE} characters]`);
      dropping = true;
      pending = '';
    }
  });
  stream.on('end', () => {
    if (pending && !dropping) onLine(pending);
  });
}
