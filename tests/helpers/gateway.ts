import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { createGateway, type Gateway } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/load.js';
import { createLogger } from '../../src/lib/logger.js';
import type { deviceSchema } from '../../src/http/schemas.js';

/** A number as the REST API answers it (GET /api/devices/{phone}). */
export type ApiDevice = z.output<typeof deviceSchema>;

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SIM_BINARY = path.join(ROOT, 'bin', 'whatsapp-sim');
export const ADMIN = { username: 'admin', password: 'test-admin-password' };

/**
 * Each jest worker gets its own slice of the child port range, so parallel test files never race for a port;
 * TEST_PORT_BASE moves the whole range, so two checkouts can run their suites side by side.
 */
export function workerPortRange(): { base: number; max: number } {
  const worker = Number(process.env['JEST_WORKER_ID'] ?? '1');
  const base = Number(process.env['TEST_PORT_BASE'] ?? '8000') + (worker - 1) * 150;
  return { base, max: base + 149 };
}

export function makeDataRoot(prefix = 'wa-gw-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Test defaults: fast supervision, quiet logs, the stand-in binary, a throwaway data folder. */
export function testEnv(dataRoot: string, overrides: Record<string, string> = {}): Record<string, string> {
  const ports = workerPortRange();
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    NODE_ENV: 'test',
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    API_RATE_LIMIT: '100000',
    PROCESS_BASE_PORT: String(ports.base),
    PROCESS_MAX_PORT: String(ports.max),
    WHATSAPP_BINARY: SIM_BINARY,
    SESSIONS_DIR: path.join(dataRoot, 'sessions'),
    DATA_DIR: path.join(dataRoot, 'volumes'),
    JWT_SECRET: 'test-jwt-secret-that-is-long-enough-123456',
    DEFAULT_ADMIN_USER: ADMIN.username,
    DEFAULT_ADMIN_PASS: ADMIN.password,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    HEALTH_CHECK_INTERVAL: '500',
    RESTART_BASE_DELAY: '200',
    RESTART_MAX_DELAY: '2000',
    PROCESS_STOP_GRACE: '3000',
    RESTORE_JITTER: '20',
    SIM_AUTOCONNECT_DELAY_MS: '50',
    SESSION_STATUS_DELAY: '200',
    // A jest worker may stall a few seconds (a transform, a browser launch): only the watchdog's own tests pause on purpose.
    CHILD_WATCHDOG_TIMEOUT: '30',
    SIM_TEST_RUN: process.env['SIM_TEST_RUN'] ?? '',
    ...overrides,
  };
}

export interface HttpResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly config: Readonly<Config>;
  readonly url: string;
  readonly dataRoot: string;
  token(): Promise<string>;
  request<T = Record<string, unknown>>(method: string, urlPath: string, options?: { body?: unknown; token?: string | null; headers?: Record<string, string>; raw?: string | Buffer }): Promise<HttpResult<T>>;
  close(): Promise<void>;
}

export async function startTestGateway(options: { dataRoot?: string; env?: Record<string, string>; restore?: boolean } = {}): Promise<TestGateway> {
  const dataRoot = options.dataRoot ?? makeDataRoot();
  const env = testEnv(dataRoot, options.env);
  const config = loadConfig(env, ROOT);
  const gateway = await createGateway({ config, logger: createLogger(config.LOG_LEVEL), env, version: 'test' });
  const port = await gateway.listen();
  if (options.restore !== false) await gateway.restore();
  const url = `http://127.0.0.1:${port}`;
  let cached: string | null = null;
  let closed = false;

  const request: TestGateway['request'] = async (method, urlPath, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? await self.token() : opts.token;
    if (token) headers['authorization'] = `Bearer ${token}`;
    let body: string | Buffer | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(`${url}${urlPath}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Non-JSON bodies are returned as text.
    }
    return { status: res.status, body: parsed as never, headers: res.headers };
  };

  const self: TestGateway = {
    gateway,
    config,
    url,
    dataRoot,
    token: async () => {
      if (cached) return cached;
      const res = await request<{ token: string }>('POST', '/api/auth/login', { body: ADMIN, token: null });
      if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
      cached = res.body.token;
      return cached;
    },
    request,
    close: async () => {
      if (closed) return;
      closed = true;
      await gateway.close();
    },
  };
  return self;
}

/** Register a number (the process starts) and return its child's PID; fails the test unless it is running. */
export async function registerRunning(gw: TestGateway, phone: string): Promise<number> {
  const res = await gw.request<{ pid: number; state: string }>('POST', '/api/devices', { body: { phoneNumber: phone } });
  if (res.body.state !== 'running') throw new Error(`${phone} is ${res.body.state} after registering (HTTP ${res.status})`);
  return res.body.pid;
}
