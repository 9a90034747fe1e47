import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface DiskFigures {
  readonly path: string;
  readonly freeBytes: number;
  readonly totalBytes: number;
  readonly usedPercent: number;
}

export function diskUsage(path: string): DiskFigures | null {
  try {
    const s = fs.statfsSync(path);
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    return { path, freeBytes: free, totalBytes: total, usedPercent: total > 0 ? Math.round(((total - free) / total) * 1000) / 10 : 0 };
  } catch {
    return null;
  }
}

/** Host and gateway-process figures; the event-loop delay histogram runs from construction on. */
export class SystemStats {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private lastCpu = process.cpuUsage();
  private lastAt = Date.now();

  constructor() {
    this.loop.enable();
  }

  snapshot(paths: readonly string[]): Record<string, unknown> {
    const now = Date.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedMs = Math.max(1, now - this.lastAt);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const memory = process.memoryUsage();
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const result = {
      host: {
        cpus: os.cpus().length,
        loadAverage: os.loadavg(),
        memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
        uptimeSeconds: Math.round(os.uptime()),
      },
      gateway: {
        pid: process.pid,
        uptimeSeconds: Math.round(process.uptime()),
        cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 1000) / 10,
        memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal },
        eventLoopDelayMs: { p50: ms(this.loop.percentile(50)), p99: ms(this.loop.percentile(99)), max: ms(this.loop.max) },
      },
      disks: paths.map(diskUsage).filter((d) => d !== null),
    };
    this.loop.reset();
    return result;
  }

  close(): void {
    this.loop.disable();
  }
}
