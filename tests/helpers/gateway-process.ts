import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ADMIN, ROOT, testEnv } from './gateway.js';
import { waitFor } from './wait.js';

/** The gateway as a real OS process (`node dist/main.js`), for tests that kill or signal the gateway itself. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  token(): Promise<string>;
  request<T = Record<string, unknown>>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export async function spawnGateway(dataRoot: string, overrides: Record<string, string> = {}): Promise<GatewayProcess> {
  const env = testEnv(dataRoot, { LOG_LEVEL: 'info', ...overrides });
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let port = 0;
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      const match = /"port":(\d+),"host".*"msg":"gateway listening"/.exec(line);
      if (match) port = Number(match[1]);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(
    () => {
      if (gone) throw new Error(`gateway exited during start:\n${output.join('\n')}`);
      return port;
    },
    { timeoutMs: 20_000, what: 'gateway to listen' },
  );
  const url = `http://127.0.0.1:${port}`;
  let token: string | null = null;
  const self: GatewayProcess = {
    child,
    url,
    output,
    exited,
    token: async () => {
      if (token) return token;
      const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
      token = ((await res.json()) as { token: string }).token;
      return token;
    },
    request: async (method, urlPath, body) => {
      const headers: Record<string, string> = { authorization: `Bearer ${await self.token()}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as never };
    },
  };
  return self;
}

/** Log in a child of a gateway running in another process (the stand-in), with the credentials it was started with. */
export async function pairChild(pid: number): Promise<void> {
  const env = Object.fromEntries(
    fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const base = `http://127.0.0.1:${env['APP_PORT']}`;
  const headers = { authorization: `Basic ${Buffer.from(env['APP_BASIC_AUTH'] ?? '').toString('base64')}`, 'content-type': 'application/json' };
  for (const [method, urlPath, body] of [['GET', '/app/login', undefined], ['POST', '/_sim/pair', '{}']] as const) {
    const res = await fetch(`${base}${urlPath}`, { method, headers, body });
    if (res.status !== 200) throw new Error(`${method} ${urlPath} on the child: HTTP ${res.status}`);
  }
}

/** A process's state letter and process group, from /proc/<pid>/stat ("pid (comm) state ppid pgrp …"). */
export function procStat(pid: number): { state: string; pgrp: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [state = '?', , pgrp = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, pgrp: Number(pgrp) };
}
