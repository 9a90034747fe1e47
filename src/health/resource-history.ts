import type { Clock } from '../lib/clock.js';
import { RingBuffer } from '../lib/ring-buffer.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { ResourceSampler } from './resource-sampler.js';

export interface ResourcePoint {
  readonly at: number;
  readonly rssBytes: number;
  readonly cpuPercent: number;
}

/** How far back the charts reach. */
export const HISTORY_WINDOW_MS = 60 * 60_000;

/**
 * The last hour of each child's RSS and CPU, in memory (one point per sample interval, at most 720 per number):
 * enough for the dashboard's charts without a time-series store. Gone after a gateway restart, by design.
 */
export class ResourceHistory {
  private readonly points = new Map<string, RingBuffer<ResourcePoint>>();
  private timer: NodeJS.Timeout | null = null;
  private readonly capacity: number;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly sampler: ResourceSampler,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {
    this.capacity = Math.min(720, Math.max(1, Math.ceil(HISTORY_WINDOW_MS / intervalMs)));
  }

  start(): void {
    this.timer = setInterval(() => this.record(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Oldest first, within the last `windowMs`. */
  get(phoneNumber: string, windowMs = HISTORY_WINDOW_MS): ResourcePoint[] {
    const since = this.clock.now() - windowMs;
    return (this.points.get(phoneNumber)?.tail(this.capacity) ?? []).filter((p) => p.at >= since);
  }

  forget(phoneNumber: string): void {
    this.points.delete(phoneNumber);
  }

  record(): void {
    for (const runner of this.supervisor.list()) {
      const figures = this.sampler.get(runner.phoneNumber);
      if (!figures) continue;
      let buffer = this.points.get(runner.phoneNumber);
      if (!buffer) this.points.set(runner.phoneNumber, (buffer = new RingBuffer(this.capacity)));
      buffer.push({ at: figures.sampledAt, rssBytes: figures.rssBytes, cpuPercent: figures.cpuPercent });
    }
  }
}
