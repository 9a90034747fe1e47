import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { summariseProfile, type CpuProfile } from './profile-summary.js';

/**
 * CPU profile of one measured phase of a gateway started with `--inspect=127.0.0.1:0`, through the DevTools
 * protocol: unlike `--cpu-prof`, set-up work (spawning, pairing) stays out of the profile.
 * Open the written `.cpuprofile` in Chrome DevTools or speedscope.
 */
export class PhaseProfiler {
  private nextId = 1;
  private readonly pending = new Map<number, (result: Record<string, unknown>) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown> };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result ?? {});
    });
  }

  /** `url`: the `ws://…` the gateway printed after "Debugger listening on". */
  static async connect(url: string): Promise<PhaseProfiler> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const profiler = new PhaseProfiler(socket);
    await profiler.call('Profiler.enable');
    await profiler.call('Profiler.setSamplingInterval', { interval: 200 });
    return profiler;
  }

  start(): Promise<unknown> {
    return this.call('Profiler.start');
  }

  /** Stop and write the profile; returns its path and a summary of where the CPU went. */
  async stop(dir: string, name: string): Promise<{ file: string; summary: string[]; profile: CpuProfile }> {
    const { profile } = (await this.call('Profiler.stop')) as { profile: CpuProfile };
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}-${Date.now()}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(profile));
    return { file, summary: summariseProfile(profile), profile };
  }

  close(): void {
    this.socket.close();
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
}

/** The inspector URL from a gateway's stderr line "Debugger listening on ws://…". */
export function inspectorUrl(lines: readonly string[]): string | null {
  for (const line of lines) {
    const match = /Debugger listening on (ws:\/\/\S+)/.exec(line);
    if (match?.[1]) return match[1];
  }
  return null;
}
