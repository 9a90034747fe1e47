/**
 * Starts the fake WhatsApp arbiter (`bin/whatsapp-arbiter`) as a real process on a free port and reads what it
 * recorded. Stand-ins reach it through `SIM_ARBITER_URL` (`arbiter.url`).
 *
 *   const arbiter = await startArbiter('kick');
 *   const sim = await startSim({ env: { SIM_ARBITER_URL: arbiter.url, SIM_NODE: 'n1' } });
 *   await arbiter.waitForConnection((c) => c.jid === '628111@s.whatsapp.net');
 *   afterAll(cleanupArbiters);
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './sim-process.js';
import { waitFor } from './wait.js';

export const ARBITER_BIN = join(REPO_ROOT, 'bin/whatsapp-arbiter');

export interface ArbiterConnection {
  id: number;
  device: string;
  jid: string;
  node: string;
  pid: number | null;
  fence: number | null;
  connected_ms: number;
}

export interface ArbiterEvent extends Omit<ArbiterConnection, 'id'> {
  seq: number;
  type: 'connect' | 'disconnect' | 'send';
  ms: number;
  connection_id: number;
  reason?: 'closed' | 'replaced';
  message_id?: string;
  to?: string;
}

export interface ArbiterOverlaps {
  mode: string;
  count: number;
  devices: number;
  max_ms: number;
  total_ms: number;
  overlaps: { device: string; jid: string; start_ms: number; end_ms: number | null; duration_ms: number; ongoing: boolean; nodes: string[]; connections: ArbiterConnection[] }[];
}

const running = new Set<Arbiter>();

export class Arbiter {
  url = '';
  private err = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.err += chunk;
    });
    this.exited = new Promise((resolve) => child.on('close', (code, signal) => {
      running.delete(this);
      resolve({ code, signal });
    }));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get stderr(): string {
    return this.err;
  }

  async get<T>(path: string): Promise<{ status: number; json: T }> {
    const res = await fetch(`${this.url}${path}`);
    return { status: res.status, json: (await res.json()) as T };
  }

  async connections(): Promise<ArbiterConnection[]> {
    return (await this.get<{ connections: ArbiterConnection[] }>('/connections')).json.connections;
  }

  async events(since = 0): Promise<ArbiterEvent[]> {
    return (await this.get<{ events: ArbiterEvent[] }>(`/events?since=${since}`)).json.events;
  }

  async overlaps(): Promise<ArbiterOverlaps> {
    return (await this.get<ArbiterOverlaps>('/overlaps')).json;
  }

  waitForConnection(match: (c: ArbiterConnection) => boolean, what = 'an arbiter connection'): Promise<ArbiterConnection> {
    return waitFor(async () => (await this.connections()).find(match), { what });
  }

  waitForEvent(match: (e: ArbiterEvent) => boolean, what = 'an arbiter event'): Promise<ArbiterEvent> {
    return waitFor(async () => (await this.events()).find(match), { what });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

export async function startArbiter(mode: 'kick' | 'detect' = 'kick', args: string[] = []): Promise<Arbiter> {
  const env = { PATH: process.env.PATH, SIM_TEST_RUN: process.env.SIM_TEST_RUN };
  const child = spawn(ARBITER_BIN, ['--mode', mode, ...args], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const arbiter = new Arbiter(child);
  running.add(arbiter);
  let out = '';
  arbiter.url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`arbiter not ready in 10 s: ${out} ${arbiter.stderr}`)), 10_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /whatsapp-arbiter ready url=(\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`arbiter exited before ready: ${arbiter.stderr}`));
    });
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await arbiter.exited;
    throw err;
  });
  return arbiter;
}

export async function cleanupArbiters(): Promise<void> {
  await Promise.all([...running].map((arbiter) => arbiter.stop()));
}
