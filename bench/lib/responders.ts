import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Answer, HubRequest, HubStats, InjectRequest, InjectResult, Ready, SinkCounts, SinkLatency, SinkRequest } from '../responder/protocol.js';
import { ROOT } from './gateway.js';
import { RUN_TAG, RUN_TAG_KEY, waitUntil } from './processes.js';

const DIST = path.join(ROOT, 'dist', 'bench', 'responder');
/** What the gateway runs per number in the isolated-capacity mode (WHATSAPP_BINARY). */
export const RESPONDER_SHIM = path.join(ROOT, 'bench', 'responder', 'child.sh');

/** A bench helper process (forked, tagged with the run): requests and answers over its IPC channel. */
class Forked<Request> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: Answer) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(message.error ?? 'request failed'));
    });
    void this.exited.then(() => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('the helper process exited'));
      this.pending.clear();
    });
  }

  static async start<R>(script: string, args: string[]): Promise<{ helper: Forked<R>; ready: Ready }> {
    const child = fork(path.join(DIST, script), args, { env: { PATH: process.env['PATH'] ?? '', [RUN_TAG_KEY]: RUN_TAG }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (message: Ready) => resolve(message));
      child.once('exit', (code) => reject(new Error(`${script} exited during start (code ${code})`)));
    });
    return { helper: new Forked<R>(child), ready };
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  request<T>(body: Request, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer from the helper within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.child.send({ id, body });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** The responder hub (bench/responder/hub.ts): every number's child answers from it. */
export class ResponderHub {
  private constructor(
    private readonly helper: Forked<HubRequest>,
    /** Given to the gateway as SIM_CAPACITY_HUB (passed on to every child, where the shim reads it). */
    readonly controlPort: number,
    /** Where the gateway's outbound webhooks go (WEBHOOK_URL). */
    readonly receiverUrl: string,
  ) {}

  static async start(): Promise<ResponderHub> {
    const { helper, ready } = await Forked.start<HubRequest>('hub.js', []);
    if (!ready.controlPort || !ready.receiverPort) throw new Error('the responder hub did not say where it listens');
    return new ResponderHub(helper, ready.controlPort, `http://127.0.0.1:${ready.receiverPort}/webhook`);
  }

  get pid(): number {
    return this.helper.pid;
  }

  stats(): Promise<HubStats> {
    return this.helper.request({ cmd: 'stats' });
  }

  /** Resolves once every injected webhook has been answered. */
  inject(request: InjectRequest): Promise<InjectResult> {
    return this.helper.request({ cmd: 'inject', ...request }, (request.durationSec + 120) * 1000);
  }

  stop(): Promise<void> {
    return this.helper.stop();
  }
}

/** The Socket.IO clients of the isolated-capacity mode (bench/responder/feed-sink.ts), in their own process. */
export class FeedSink {
  private constructor(private readonly helper: Forked<SinkRequest>) {}

  static async start(url: string, token: string, clients: number): Promise<FeedSink> {
    const { helper } = await Forked.start<SinkRequest>('feed-sink.js', [url, token, String(clients)]);
    const sink = new FeedSink(helper);
    await waitUntil(() => helper.request<boolean>({ cmd: 'connected' }), 30_000, 'every Socket.IO client to connect', 50);
    return sink;
  }

  get pid(): number {
    return this.helper.pid;
  }

  counts(): Promise<SinkCounts> {
    return this.helper.request({ cmd: 'counts' });
  }

  /** Latency of the frames counted since the last reset (and reset it, if asked). */
  latency(reset: boolean): Promise<SinkLatency> {
    return this.helper.request({ cmd: 'latency', reset });
  }

  stop(): Promise<void> {
    return this.helper.stop();
  }
}
