import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './gateway.js';
import { RUN_TAG, RUN_TAG_KEY, waitUntil } from './processes.js';

const BIN = path.join(ROOT, 'bin', 'chatwoot-fake');

/** The fake Chatwoot (bin/chatwoot-fake) as its own process, tagged with the run like every other process. */
export class FakeChatwootProcess {
  private out = '';
  apiUrl = '';
  controlUrl = '';
  private gone = false;
  readonly exited: Promise<unknown>;

  private constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.out += chunk));
    child.stderr?.resume();
    this.exited = new Promise((resolve) => child.once('exit', resolve));
    void this.exited.then(() => (this.gone = true));
  }

  static async start(seed: unknown, env: Record<string, string> = {}): Promise<FakeChatwootProcess> {
    const child = spawn(BIN, [], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        FAKE_CHATWOOT_PORT: '0',
        FAKE_CHATWOOT_QUIET: 'true',
        // The gateway listens on 127.0.0.1: a real Chatwoot ≥ 4.14 needs this to post webhooks there too.
        SAFE_FETCH_ALLOW_PRIVATE_NETWORK: 'true',
        FAKE_CHATWOOT_SEED: JSON.stringify(seed),
        [RUN_TAG_KEY]: RUN_TAG,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const fake = new FakeChatwootProcess(child);
    await waitUntil(
      () => {
        if (fake.gone) throw new Error('chatwoot-fake exited during start');
        const line = /ready api=(\S+) control=(\S+)/.exec(fake.out);
        if (!line) return undefined;
        [, fake.apiUrl = '', fake.controlUrl = ''] = line;
        return true;
      },
      20_000,
      'the fake Chatwoot to listen',
      20,
    );
    return fake;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  async control<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.controlUrl}${urlPath}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async stop(): Promise<void> {
    if (this.gone) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
