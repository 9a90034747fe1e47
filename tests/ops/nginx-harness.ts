import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/gateway.js';
import { isAlive, waitFor } from '../helpers/wait.js';
import { run } from './support.js';

const SOURCE = path.join(ROOT, 'nginx');
const FILES = ['nginx.conf', 'gateway-locations.conf'];

export interface RenderOptions {
  /** Where the gateway listens (loopback). */
  readonly upstreamPort: number;
  /** Render cluster-upstream.conf instead, its nodes replaced by these loopback addresses (`127.0.0.11:9001`). */
  readonly clusterNodes?: readonly string[];
  readonly httpPort: number;
  /** Uncomment the TLS server and point it at a cert/key pair in `<prefix>/certs/`. */
  readonly tlsPort?: number;
  /** Extra directives for the HTTP server, before its shared locations (e.g. a documented sub-path location). */
  readonly extraServerConfig?: string;
}

/** Replace `from` once and fail loudly if it is gone: a config edit must not silently bypass the tests. */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`nginx/nginx.conf no longer contains ${String(from)}; update tests/ops/nginx-harness.ts`);
  return text.replace(from, to);
}

/** The single-host upstream on the given port, or the cluster example with its nodes replaced one by one. */
function renderUpstream(options: RenderOptions): string {
  if (!options.clusterNodes) return replaceOnce(fs.readFileSync(path.join(SOURCE, 'gateway-upstream.conf'), 'utf8'), 'server gateway:3000;', `server 127.0.0.1:${options.upstreamPort};`);
  const text = fs.readFileSync(path.join(SOURCE, 'cluster-upstream.conf'), 'utf8');
  const lines = [...text.matchAll(/^ {4}server node\d+:3000 (.*);$/gm)];
  if (lines.length === 0) throw new Error('nginx/cluster-upstream.conf lists no `server nodeN:3000` line; update tests/ops/nginx-harness.ts');
  const servers = options.clusterNodes.map((address) => `    server ${address} ${lines[0]?.[1] ?? ''};`).join('\n');
  const first = lines[0]?.index ?? 0;
  const last = lines[lines.length - 1]!;
  return text.slice(0, first) + servers + text.slice((last.index ?? 0) + last[0].length);
}

/**
 * Copy the repo's nginx config into `prefix` and rewrite only what differs from production:
 * upstream host and ports to loopback, pid/log/temp paths into the prefix.
 */
export function renderNginxConfig(prefix: string, options: RenderOptions): string {
  // Workers run as nobody: they must be able to reach the temp folders inside the prefix.
  fs.chmodSync(prefix, 0o755);
  for (const file of FILES) fs.copyFileSync(path.join(SOURCE, file), path.join(prefix, file));
  fs.writeFileSync(path.join(prefix, 'gateway-upstream.conf'), renderUpstream(options));
  const conf = path.join(prefix, 'nginx.conf');
  let text = fs.readFileSync(conf, 'utf8');
  if (!text.includes('include gateway-upstream.conf;')) throw new Error('nginx/nginx.conf no longer includes gateway-upstream.conf; update tests/ops/nginx-harness.ts');
  text = replaceOnce(text, 'listen 80 default_server;', `listen 127.0.0.1:${options.httpPort} default_server;`);
  text = replaceOnce(text, /^pid .*;$/m, `pid ${prefix}/nginx.pid;`);
  if (options.extraServerConfig) text = replaceOnce(text, '        include gateway-locations.conf;', `${options.extraServerConfig}\n        include gateway-locations.conf;`);
  text = replaceOnce(text, '/var/log/nginx/error.log', `${prefix}/error.log`);
  text = replaceOnce(text, '/var/log/nginx/access.log', `${prefix}/access.log`);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${prefix}/tmp/${kind};`).join('\n');
  text = replaceOnce(text, /^http \{$/m, `http {\n${temp}`);
  if (options.tlsPort !== undefined) {
    const begin = text.indexOf('\n', text.indexOf('# BEGIN TLS'));
    const end = text.indexOf('# END TLS');
    if (text.indexOf('# BEGIN TLS') < 0 || end < begin) throw new Error('nginx/nginx.conf lost its "# BEGIN TLS" / "# END TLS" markers');
    const block = text.slice(begin, end).replace(/^(\s*)# /gm, '$1');
    text = text.slice(0, begin) + block + text.slice(end);
    text = replaceOnce(text, /listen 443 ssl/, `listen 127.0.0.1:${options.tlsPort} ssl`);
    text = text.replaceAll('/etc/nginx/certs/', `${prefix}/certs/`);
  }
  fs.mkdirSync(path.join(prefix, 'tmp'), { recursive: true });
  fs.writeFileSync(conf, text);
  return conf;
}

export function nginxTest(prefix: string, conf: string) {
  return run('nginx', ['-t', '-p', `${prefix}/`, '-c', conf, '-e', 'stderr']);
}

export interface RunningNginx {
  readonly url: string;
  readonly prefix: string;
  readonly output: string[];
  stop(): Promise<void>;
}

/** Worker PIDs, so stop() can prove they went away with the master. */
function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** A real nginx in the foreground (a child of this test process) with the rendered config. */
export async function startNginx(prefix: string, options: RenderOptions): Promise<RunningNginx> {
  const conf = renderNginxConfig(prefix, options);
  const child: ChildProcess = spawn('nginx', ['-p', `${prefix}/`, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/bin', SIM_TEST_RUN: process.env['SIM_TEST_RUN'] ?? '' },
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${options.httpPort}`;

  const stop = async (): Promise<void> => {
    const workers = child.pid === undefined ? [] : childrenOf(child.pid);
    if (!gone) child.kill('SIGQUIT');
    await exited;
    await waitFor(() => workers.every((pid) => !isAlive(pid)), { timeoutMs: 10_000, what: 'nginx workers to exit' });
  };

  try {
    await waitFor(
      async () => {
        if (gone) throw new Error(`nginx exited at start:\n${output.join('')}`);
        return (await fetch(`${url}/api/health`)).ok;
      },
      { timeoutMs: 15_000, what: 'nginx to proxy /api/health' },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, prefix, output, stop };
}
