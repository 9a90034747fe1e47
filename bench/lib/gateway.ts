import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RUN_TAG, RUN_TAG_KEY, waitUntil } from './processes.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SIM_BINARY = path.join(ROOT, 'bin', 'whatsapp-sim');
const MAIN = path.join(ROOT, 'dist', 'main.js');
const ADMIN = { username: 'admin', password: 'bench-admin-password' };

export interface PortRange {
  readonly base: number;
  readonly max: number;
}

/** Data folders made by this run, removed after each scenario (run.ts) unless --keep-data. */
export const dataRoots = new Set<string>();

export function makeDataRoot(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wa-bench-${prefix}-`));
  dataRoots.add(dir);
  return dir;
}

export function removeDataRoots(): void {
  for (const dir of dataRoots) fs.rmSync(dir, { recursive: true, force: true });
  dataRoots.clear();
}

/**
 * The gateway's environment for benchmarks: production-like defaults (info logs, default supervision and
 * pacing) except what a benchmark must change: no rate limit, room for many numbers, no update checks, and
 * the stand-in binary. Every key can be overridden per scenario.
 */
export function benchEnv(dataRoot: string, ports: PortRange, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    NODE_ENV: 'test',
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    API_RATE_LIMIT: '100000000',
    PROCESS_BASE_PORT: String(ports.base),
    PROCESS_MAX_PORT: String(ports.max),
    MAX_PROCESSES: String(ports.max - ports.base + 1),
    WHATSAPP_BINARY: SIM_BINARY,
    SESSIONS_DIR: path.join(dataRoot, 'sessions'),
    DATA_DIR: path.join(dataRoot, 'volumes'),
    JWT_SECRET: 'bench-jwt-secret-that-is-long-enough-1234567',
    DEFAULT_ADMIN_USER: ADMIN.username,
    DEFAULT_ADMIN_PASS: ADMIN.password,
    LOG_LEVEL: 'info',
    AUTO_UPDATE: 'off',
    [RUN_TAG_KEY]: RUN_TAG,
    ...overrides,
  };
}

export interface LogLine {
  readonly msg?: string;
  readonly [key: string]: unknown;
}

export interface HttpAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** `node dist/main.js` as its own OS process, as in production: the benchmarks never share its event loop. */
export class GatewayProcess {
  readonly output: string[] = [];
  /** Parsed log lines with the performance.now() they arrived at (bounded). */
  private readonly history: { at: number; line: LogLine }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly lineWaiters: { match: (line: LogLine) => boolean; resolve: (at: number) => void }[] = [];
  private portValue = 0;
  private tokenValue: string | null = null;
  private gone = false;

  private constructor(
    readonly child: ChildProcess,
    /** performance.now() just before the spawn. */
    readonly spawnedAt: number,
    readonly dataRoot: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => (this.gone = true));
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
  }

  /** Spawn and wait until it listens. `nodeArgs` go before the script (e.g. --expose-gc, --cpu-prof). */
  static async start(dataRoot: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<GatewayProcess> {
    const spawnedAt = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const gateway = new GatewayProcess(child, spawnedAt, dataRoot);
    await waitUntil(
      () => {
        if (gateway.gone) throw new Error(`gateway exited during start:\n${gateway.output.slice(-30).join('\n')}`);
        return gateway.portValue || undefined;
      },
      60_000,
      'the gateway to listen',
      20,
    );
    return gateway;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.portValue}`;
  }

  /** Resolves with the performance.now() at which the first log line matching `match` arrived (past or future). */
  waitForLine(match: (line: LogLine) => boolean, timeoutMs: number, what: string): Promise<number> {
    const past = this.history.find((entry) => match(entry.line));
    if (past) return Promise.resolve(past.at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for the log line: ${what}`)), timeoutMs);
      this.lineWaiters.push({
        match,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      });
    });
  }

  async token(): Promise<string> {
    if (this.tokenValue) return this.tokenValue;
    const res = await this.request<{ token: string }>('POST', '/api/auth/login', ADMIN, null);
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    this.tokenValue = res.body.token;
    return this.tokenValue;
  }

  async request<T = Record<string, unknown>>(method: string, urlPath: string, body?: unknown, token?: string | null): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = {};
    const bearer = token === undefined ? await this.token() : token;
    if (bearer) headers['authorization'] = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    return { status: res.status, body: parsed as T };
  }

  /** SIGTERM (children are stopped and marked stopped-by-shutdown), then SIGKILL if it takes too long. */
  async stop(timeoutMs = 120_000): Promise<void> {
    if (this.gone) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (this.gone) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private onLine(line: string): void {
    this.output.push(line);
    if (this.output.length > 2000) this.output.splice(0, 1000);
    let parsed: LogLine;
    try {
      parsed = JSON.parse(line) as LogLine;
    } catch {
      return;
    }
    if (parsed.msg === 'gateway listening' && typeof parsed['port'] === 'number') this.portValue = parsed['port'];
    const at = performance.now();
    if (this.history.length < 50_000) this.history.push({ at, line: parsed });
    for (const waiter of [...this.lineWaiters]) {
      if (!waiter.match(parsed)) continue;
      this.lineWaiters.splice(this.lineWaiters.indexOf(waiter), 1);
      waiter.resolve(at);
    }
  }
}
