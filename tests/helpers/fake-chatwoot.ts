/**
 * Starts the fake Chatwoot (`bin/chatwoot-fake`) as a real process on free ports, calls its API and its
 * `/_fake` control hooks, and receives its webhooks on a small local HTTP server.
 *
 *   const hooks = await startChatwootReceiver();
 *   const cw = await startFakeChatwoot({ seed: { ...seed, inboxes: [{ ..., webhook_url: hooks.url, secret: 's' }] } });
 *   const res = await cw.api('POST', '/api/v1/accounts/1/contacts', { name: 'Ann' }, { token: 'admin-token' });
 *   await cw.agentMessage(1, conversationId, { content: 'hello' });        // → message_created to hooks
 *   const hook = await hooks.waitFor((h) => h.event === 'message_created');
 *   expect(verifyChatwootSignature(hook, 's')).toBe(true);
 *   afterAll(async () => { await cleanupFakeChatwoots(); await hooks.close(); });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FAKE_CHATWOOT_BIN = join(REPO_ROOT, 'bin/chatwoot-fake');

/** Tokens of the fake's default seed (account 1: admin, agent, bot; account 2: its own admin). */
export const TOKENS = { admin: 'admin-token', agent: 'agent-token', bot: 'bot-token', other: 'other-token' } as const;

export interface FakeChatwootOptions {
  /** A seed object (see docs/fake-chatwoot.md); default: the fake's own default seed. */
  seed?: unknown;
  /** FAKE_CHATWOOT_VERSION (default 4.16.2). */
  version?: string;
  stateFile?: string;
  frontendUrl?: string;
  /** SAFE_FETCH_ALLOW_PRIVATE_NETWORK; default true here, since test receivers listen on 127.0.0.1. */
  allowPrivateNetwork?: boolean;
  /** Fixed ports (e.g. to restart on the same one); default 0 = any free port. */
  port?: number;
  env?: Record<string, string | undefined>;
  readyTimeoutMs?: number;
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed when the body is JSON. */
  json: T;
}

export interface ApiCallOptions {
  token?: string | null;
  /** Which header carries the token (default the dash form, which survives nginx). */
  tokenHeader?: 'api-access-token' | 'api_access_token';
  headers?: Record<string, string>;
  /** A raw body (FormData for multipart) instead of JSON. */
  raw?: string | FormData;
  redirect?: 'follow' | 'manual' | 'error';
}

const running = new Set<FakeChatwoot>();

async function call<T>(url: string, init: RequestInit): Promise<HttpResult<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as T };
}

export class FakeChatwoot {
  private out = '';
  private err = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  apiUrl = '';
  controlUrl = '';
  storageUrl = '';
  frontendUrl = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.out += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.err += chunk));
    this.exited = new Promise((done) => child.on('close', (code, signal) => {
      running.delete(this);
      done({ code, signal });
    }));
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

  get apiPort(): number {
    return Number(new URL(this.apiUrl).port);
  }

  /** Resolves once the ready line is on stdout; rejects when the process exits first or time runs out. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const line = /fake-chatwoot \S+ ready api=(\S+) control=(\S+) storage=(\S+) frontend=(\S+)/.exec(this.out);
      if (line) {
        [, this.apiUrl = '', this.controlUrl = '', this.storageUrl = '', this.frontendUrl = ''] = line;
        return;
      }
      if (exited) throw new Error(`chatwoot-fake exited before it was ready:\n${this.err}`);
      if (Date.now() > deadline) throw new Error(`chatwoot-fake not ready within ${timeoutMs} ms:\n${this.out}\n${this.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** A call to the Chatwoot API (token as `Api-Access-Token` unless told otherwise). */
  api<T = unknown>(method: string, path: string, body?: unknown, options: ApiCallOptions = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? TOKENS.admin : options.token;
    if (token !== null) headers[options.tokenHeader ?? 'api-access-token'] = token;
    let payload: string | FormData | undefined = options.raw;
    if (payload === undefined && body !== undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] ??= 'application/json';
    }
    return call<T>(`${this.apiUrl}${path}`, { method, headers, body: payload, redirect: options.redirect });
  }

  /** A call to the control API (`/_fake/…` on the control port). */
  control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    const init: RequestInit = body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
    return call<T>(`${this.controlUrl}${path}`, init);
  }

  private async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.control<T>(method, path, body);
    if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${res.text}`);
    return res.json;
  }

  state(accountId?: number): Promise<Record<string, unknown[]>> {
    return this.ok('GET', `/_fake/state${accountId === undefined ? '' : `?account_id=${accountId}`}`);
  }

  async messages(filter: { accountId?: number; conversationId?: number; afterId?: number } = {}): Promise<Record<string, unknown>[]> {
    const query = new URLSearchParams();
    if (filter.accountId !== undefined) query.set('account_id', String(filter.accountId));
    if (filter.conversationId !== undefined) query.set('conversation_id', String(filter.conversationId));
    if (filter.afterId !== undefined) query.set('after_id', String(filter.afterId));
    return (await this.ok<{ messages: Record<string, unknown>[] }>('GET', `/_fake/messages?${query.toString()}`)).messages;
  }

  async deliveries(filter: { event?: string; url?: string } = {}): Promise<Record<string, unknown>[]> {
    const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined));
    return (await this.ok<{ deliveries: Record<string, unknown>[] }>('GET', `/_fake/deliveries?${query.toString()}`)).deliveries;
  }

  async requests(route?: string): Promise<Record<string, unknown>[]> {
    return (await this.ok<{ requests: Record<string, unknown>[] }>('GET', `/_fake/requests${route ? `?route=${route}` : ''}`)).requests;
  }

  /** An agent posts in a conversation (display id): text, `private` note, `attachments` [{filename, content_type, data_base64}]. */
  agentMessage(accountId: number, conversationId: number, body: Record<string, unknown>): Promise<{ message: Record<string, unknown>; deliveries: Record<string, unknown>[] }> {
    return this.ok('POST', `/_fake/accounts/${accountId}/conversations/${conversationId}/messages`, body);
  }

  agentAction(accountId: number, conversationId: number, messageId: number, action: 'delete' | 'retry'): Promise<{ message: Record<string, unknown>; deliveries: Record<string, unknown>[] }> {
    return this.ok('POST', `/_fake/accounts/${accountId}/conversations/${conversationId}/messages/${messageId}/${action}`, {});
  }

  setStatus(accountId: number, conversationId: number, status?: string): Promise<Record<string, unknown>> {
    return this.ok('POST', `/_fake/accounts/${accountId}/conversations/${conversationId}/status`, status === undefined ? {} : { status });
  }

  typing(accountId: number, conversationId: number, status: 'on' | 'off', isPrivate = false): Promise<Record<string, unknown>> {
    return this.ok('POST', `/_fake/accounts/${accountId}/conversations/${conversationId}/typing`, { status, private: isPrivate });
  }

  knobs(patch: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.ok('PATCH', '/_fake/knobs', patch);
  }

  fault(spec: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.ok('POST', '/_fake/faults', spec);
  }

  clearFaults(): Promise<unknown> {
    return this.ok('DELETE', '/_fake/faults');
  }

  down(spec: { mode: 'refuse' | 'error'; status?: number; duration_ms?: number }): Promise<unknown> {
    return this.ok('POST', '/_fake/down', spec);
  }

  up(): Promise<unknown> {
    return this.ok('POST', '/_fake/up', {});
  }

  holdWebhooks(): Promise<unknown> {
    return this.ok('POST', '/_fake/webhooks/hold', {});
  }

  releaseWebhooks(order: 'fifo' | 'lifo' = 'fifo'): Promise<{ deliveries: Record<string, unknown>[] }> {
    return this.ok('POST', '/_fake/webhooks/release', { order });
  }

  reset(seed?: unknown): Promise<unknown> {
    return this.ok('POST', '/_fake/reset', seed === undefined ? {} : { seed });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

export async function startFakeChatwoot(options: FakeChatwootOptions = {}): Promise<FakeChatwoot> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SIM_TEST_RUN: process.env.SIM_TEST_RUN,
    FAKE_CHATWOOT_PORT: String(options.port ?? 0),
    FAKE_CHATWOOT_QUIET: 'true',
    SAFE_FETCH_ALLOW_PRIVATE_NETWORK: String(options.allowPrivateNetwork ?? true),
    FAKE_CHATWOOT_SEED: options.seed === undefined ? undefined : JSON.stringify(options.seed),
    FAKE_CHATWOOT_VERSION: options.version,
    FAKE_CHATWOOT_STATE_FILE: options.stateFile,
    FRONTEND_URL: options.frontendUrl,
    ...options.env,
  };
  const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const child = spawn(FAKE_CHATWOOT_BIN, [], { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  const fake = new FakeChatwoot(child);
  running.add(fake);
  try {
    await fake.ready(options.readyTimeoutMs ?? 10_000);
  } catch (err) {
    await fake.kill();
    throw err;
  }
  return fake;
}

/** For afterAll: kills every fake this module started. */
export async function cleanupFakeChatwoots(): Promise<void> {
  await Promise.all([...running].map((fake) => fake.kill()));
}

// ——— webhook receiver ———

export interface ChatwootHook {
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  /** Exact body bytes (what the signature covers). */
  readonly body: Buffer;
  readonly json: Record<string, unknown>;
  readonly event: string;
}

export interface ChatwootReceiver {
  readonly url: string;
  readonly received: ChatwootHook[];
  /** Answer for the n-th delivery (default 200 at once); a delay makes the fake's timeout fire. */
  respond: (hook: ChatwootHook, index: number) => number | { status: number; delayMs: number };
  waitFor(match: (hook: ChatwootHook) => boolean, timeoutMs?: number): Promise<ChatwootHook>;
  waitForCount(match: (hook: ChatwootHook) => boolean, count: number, timeoutMs?: number): Promise<ChatwootHook[]>;
  close(): Promise<void>;
}

/** `sha256=hex(HMAC_SHA256(secret, "<timestamp>.<raw body>"))`. */
export function chatwootSignature(secret: string, timestamp: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export function verifyChatwootSignature(hook: ChatwootHook, secret: string): boolean {
  const timestamp = String(hook.headers['x-chatwoot-timestamp'] ?? '');
  const given = Buffer.from(String(hook.headers['x-chatwoot-signature'] ?? ''));
  const expected = Buffer.from(chatwootSignature(secret, timestamp, hook.body));
  return timestamp !== '' && given.length === expected.length && timingSafeEqual(given, expected);
}

export function startChatwootReceiver(): Promise<ChatwootReceiver> {
  const received: ChatwootHook[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        // recorded with an empty object; the test sees the raw bytes
      }
      const hook: ChatwootHook = { at: Date.now(), headers: req.headers, body, json, event: typeof json.event === 'string' ? json.event : '' };
      const answer = receiver.respond(hook, received.length);
      received.push(hook);
      for (const waiter of [...waiters]) waiter();
      const { status, delayMs } = typeof answer === 'number' ? { status: answer, delayMs: 0 } : answer;
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, { 'Content-Type': 'text/plain' });
        res.end(status < 300 ? 'ok' : 'fail');
      }, delayMs).unref();
    });
  });
  const waitForCount = (match: (hook: ChatwootHook) => boolean, count: number, timeoutMs = 5000): Promise<ChatwootHook[]> =>
    new Promise((resolveWait, reject) => {
      const check = (): void => {
        const hits = received.filter(match);
        if (hits.length < count) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolveWait(hits);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`expected ${count} matching webhooks within ${timeoutMs} ms; got: ${received.map((h) => h.event).join(', ') || 'none'}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const receiver: ChatwootReceiver = {
    url: '',
    received,
    respond: () => 200,
    waitFor: async (match, timeoutMs) => (await waitForCount(match, 1, timeoutMs))[0] as ChatwootHook,
    waitForCount,
    close: () => new Promise((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
  return new Promise((resolveStart) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      Object.assign(receiver, { url: `http://127.0.0.1:${port}/chatwoot` });
      resolveStart(receiver);
    });
  });
}
