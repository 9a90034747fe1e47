import type { Clock } from '../lib/clock.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { cpuPercent, readProcSample, type ProcSample } from './proc-stats.js';

export interface ResourceFigures {
  readonly pid: number;
  readonly rssBytes: number;
  readonly cpuPercent: number;
  readonly sampledAt: number;
}

/**
 * Samples every child's RSS and CPU from /proc on an interval, so health and metrics requests read memory
 * instead of touching /proc for each of hundreds of numbers on every scrape.
 */
export class ResourceSampler {
  private readonly previous = new Map<string, ProcSample>();
  private readonly figures = new Map<string, ResourceFigures>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get(phoneNumber: string): ResourceFigures | null {
    return this.figures.get(phoneNumber) ?? null;
  }

  sample(): void {
    const now = this.clock.now();
    const seen = new Set<string>();
    for (const runner of this.supervisor.list()) {
      const pid = runner.pid;
      if (pid === null) continue;
      const current = readProcSample(pid, now);
      if (!current) continue;
      seen.add(runner.phoneNumber);
      const before = this.previous.get(runner.phoneNumber);
      const samePid = this.figures.get(runner.phoneNumber)?.pid === pid;
      this.figures.set(runner.phoneNumber, {
        pid,
        rssBytes: current.rssBytes,
        cpuPercent: before && samePid ? Math.round(cpuPercent(before, current) * 10) / 10 : 0,
        sampledAt: now,
      });
      this.previous.set(runner.phoneNumber, current);
    }
    for (const phone of [...this.figures.keys()]) {
      if (!seen.has(phone)) {
        this.figures.delete(phone);
        this.previous.delete(phone);
      }
    }
  }
}
