import type { Logger } from '../lib/logger.js';

/**
 * A figure read from the shared database every `periodMs` (distributed mode): scrapes and health contributors
 * answer at once, and must not wait on a query, so they get the last value read (at most one period old). A read
 * that fails keeps the last value; reads never overlap.
 */
export class Polled<T> {
  private last: T;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;

  constructor(
    private readonly read: () => Promise<T>,
    initial: T,
    private readonly periodMs: number,
    private readonly logger: Logger,
    private readonly what: string,
  ) {
    this.last = initial;
  }

  /** Reads once before it answers, then every period. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get(): T {
    return this.last;
  }

  private refresh(): Promise<void> {
    this.reading ??= this.read()
      .then(
        (value) => void (this.last = value),
        (err: unknown) => this.logger.warn({ err }, `${this.what}: could not read them; keeping the last ones`),
      )
      .finally(() => {
        this.reading = null;
      });
    return this.reading;
  }
}
