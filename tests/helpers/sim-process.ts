/**
 * Spawns the WhatsApp binary stand-in (or, with WHATSAPP_BINARY set, a real GOWA binary) as a real process
 * in its own temporary working directory, waits for the `Server started on` stdout line, and stops it again.
 *
 * Usage:
 *   const sim = await startSim({ basicAuth: 'u:p', env: { SIM_ACK_DELAY_MS: '50' } });
 *   const res = await sim.api('POST', '/devices', { device_id: '628111' });
 *   ...
 *   afterAll(cleanupSims);   // kills every process this module started and removes its temp dirs
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STAND_IN = join(REPO_ROOT, 'bin/whatsapp-sim');
/** The binary under test: `WHATSAPP_BINARY` or the stand-in. */
export const SIM_BINARY = process.env.WHATSAPP_BINARY ?? STAND_IN;
/** False when the suite runs against a real binary: `/_sim/*` routes and `SIM_*` knobs do not exist there. */
export const IS_STAND_IN = realPath(SIM_BINARY) === realPath(STAND_IN) || SIM_BINARY.endsWith('dist/simulator/main.js');

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

export interface Envelope<R = Record<string, unknown>> {
  code: string;
  message: string;
  results?: R;
}

export interface ApiResponse<T = Envelope> {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body when it is JSON, else undefined. */
  json: T;
}

export interface ApiOptions {
  headers?: Record<string, string>;
  /** Sent as `X-Device-Id`. */
  deviceId?: string;
  /** Overrides the default basic-auth header (`null` sends none). */
  auth?: string | null;
  /** Raw body (string or FormData) instead of JSON. */
  raw?: string | FormData | URLSearchParams;
  signal?: AbortSignal;
}

export interface SimExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SimOptions {
  /** Working directory; default: a new temp dir (removed by cleanupSims). */
  cwd?: string;
  /** Added to the child's clean environment; `undefined` removes a default. */
  env?: Record<string, string | undefined>;
  /** Default `['rest']`. */
  args?: string[];
  /** Default: a free port picked just before spawning. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** `user:pass`: sets APP_BASIC_AUTH and makes `api()` send the header. */
  basicAuth?: string;
  /** Written to `<cwd>/.env` before the start. */
  dotenv?: string;
  /** Default 10 s. */
  readyTimeoutMs?: number;
}

const running = new Set<SimProcess>();
const tempDirs = new Set<string>();

export async function makeTempDir(prefix = 'whatsapp-sim-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** A port that was free a moment ago (bind to 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function pollUntil<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`pollUntil: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export class SimProcess {
  private out = '';
  private err = '';
  private readonly listeners = new Set<() => void>();
  readonly exited: Promise<SimExit>;
  exitInfo: SimExit | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly cwd: string,
    readonly host: string,
    readonly port: number,
    readonly basicAuth: string | undefined,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.append('out', chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.append('err', chunk));
    this.exited = new Promise((resolveExit) => {
      // 'close' rather than 'exit': by then stdout and stderr are fully read.
      child.on('close', (code, signal) => {
        this.exitInfo = { code, signal };
        running.delete(this);
        this.notify();
        resolveExit(this.exitInfo);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get baseUrl(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /** `Authorization` value for the configured basic auth, or undefined. */
  get authorization(): string | undefined {
    return this.basicAuth ? `Basic ${Buffer.from(this.basicAuth).toString('base64')}` : undefined;
  }

  /** Resolves with the whole stream text once `pattern` appears in it; rejects on exit or timeout. */
  waitForOutput(pattern: string | RegExp, stream: 'stdout' | 'stderr' = 'stdout', timeoutMs = 10_000): Promise<string> {
    const text = (): string => (stream === 'stdout' ? this.out : this.err);
    const found = (): boolean => (typeof pattern === 'string' ? text().includes(pattern) : pattern.test(text()));
    return new Promise((resolveWait, reject) => {
      const check = (): void => {
        if (found()) {
          done();
          resolveWait(text());
        } else if (this.exitInfo) {
          done();
          reject(new Error(`process exited (${JSON.stringify(this.exitInfo)}) before ${String(pattern)} on ${stream}; stderr:\n${this.err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)} on ${stream}; stdout:\n${this.out}\nstderr:\n${this.err}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  async waitForExit(timeoutMs = 10_000): Promise<SimExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`process ${this.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal`, waits up to `graceMs`, then SIGKILLs; always resolves once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<SimExit> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill(signal);
    try {
      return await this.waitForExit(graceMs);
    } catch {
      this.child.kill('SIGKILL');
      return this.exited;
    }
  }

  kill(): Promise<SimExit> {
    if (!this.exitInfo) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** HTTP call with JSON in and out; basic auth added unless `options.auth` says otherwise. */
  async api<T = Envelope>(method: string, path: string, body?: unknown, options: ApiOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const auth = options.auth === undefined ? this.authorization : options.auth;
    if (auth) headers.Authorization = auth;
    if (options.deviceId !== undefined) headers['X-Device-Id'] = options.deviceId;
    let payload: string | FormData | URLSearchParams | undefined = options.raw;
    if (payload === undefined && body !== undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload, signal: options.signal });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json: json as T };
  }

  private append(stream: 'out' | 'err', chunk: string): void {
    if (stream === 'out') this.out += chunk;
    else this.err += chunk;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function childEnv(options: SimOptions, host: string, port: number): NodeJS.ProcessEnv {
  // A clean environment, so a developer's APP_* or WHATSAPP_* variables never leak into a test.
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    APP_HOST: host,
    APP_PORT: String(port),
    APP_UI_AUTO_UPDATE: 'false',
    APP_BASIC_AUTH: options.basicAuth,
    ...options.env,
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Spawns without waiting for readiness (for start-up failures and one-shot commands). */
export async function spawnSim(options: SimOptions = {}): Promise<SimProcess> {
  const cwd = options.cwd ?? (await makeTempDir());
  if (options.dotenv !== undefined) await writeFile(join(cwd, '.env'), options.dotenv);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const child = spawn(SIM_BINARY, options.args ?? ['rest'], { cwd, env: childEnv(options, host, port), stdio: ['ignore', 'pipe', 'pipe'] });
  const sim = new SimProcess(child, cwd, host, port, options.basicAuth);
  running.add(sim);
  return sim;
}

/** Spawns and resolves once `Server started on` is on stdout. */
export async function startSim(options: SimOptions = {}): Promise<SimProcess> {
  const sim = await spawnSim(options);
  try {
    await sim.waitForOutput('Server started on', 'stdout', options.readyTimeoutMs ?? 10_000);
  } catch (err) {
    await sim.kill();
    throw err;
  }
  return sim;
}

/** Runs a command that is expected to exit by itself; resolves with its exit and output. */
export async function runSim(args: string[], options: Omit<SimOptions, 'args'> = {}, timeoutMs = 10_000): Promise<SimExit & { stdout: string; stderr: string; cwd: string }> {
  const sim = await spawnSim({ ...options, args });
  try {
    const exit = await sim.waitForExit(timeoutMs);
    return { ...exit, stdout: sim.stdout, stderr: sim.stderr, cwd: sim.cwd };
  } finally {
    await sim.kill();
  }
}

/** For afterAll: SIGKILLs every process still running and removes the temp dirs this module made. */
export async function cleanupSims(): Promise<void> {
  await Promise.all([...running].map((sim) => sim.kill()));
  await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  tempDirs.clear();
}
