import type { Logger } from '../lib/logger.js';

/** One kind of stored history with a retention period: returns how many rows it forgot. */
export interface PruneTask {
  readonly name: string;
  prune(): number | Promise<number>;
}

const EVERY_MS = 60 * 60_000;

/** Forgets history past its retention: once at start, then every hour. One failing task never stops the others. */
export class RetentionJob {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tasks: readonly PruneTask[],
    private readonly logger: Logger,
    private readonly everyMs = EVERY_MS,
  ) {}

  start(): void {
    void this.run();
    this.timer = setInterval(() => void this.run(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Never rejects: a failed task is logged. */
  async run(): Promise<Record<string, number>> {
    const pruned: Record<string, number> = {};
    for (const task of this.tasks) {
      try {
        const count = await task.prune();
        if (count > 0) pruned[task.name] = count;
      } catch (err) {
        this.logger.error({ err, task: task.name }, 'pruning old history failed');
      }
    }
    if (Object.keys(pruned).length > 0) this.logger.info({ pruned }, 'pruned old history');
    return pruned;
  }
}
