import type { MessageStatus } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';

export type StatusCount = { readonly phoneNumber: string; readonly status: MessageStatus; readonly n: number };

/** What the outbox's figures (metrics, health, queue depths) are read from; answers at once. */
export interface OutboxCounts {
  countsByStatus(): readonly StatusCount[];
  depth(phoneNumber: string): number;
}

/**
 * The outbox's figures in distributed mode: the rows are in Postgres, shared by every node, and a scrape or a
 * health report must not wait on a query per number. One grouped query every `periodMs` serves them all, so the
 * figures are at most that old (a user's own queue read, `GET …/queue`, still asks Postgres).
 */
export class PolledOutboxCounts implements OutboxCounts {
  private rows: readonly StatusCount[] = [];
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;

  constructor(
    private readonly read: () => Promise<readonly StatusCount[]>,
    private readonly periodMs: number,
    private readonly logger: Logger,
  ) {}

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

  countsByStatus(): readonly StatusCount[] {
    return this.rows;
  }

  depth(phoneNumber: string): number {
    return this.pending.get(phoneNumber) ?? 0;
  }

  private refresh(): Promise<void> {
    this.reading ??= this.read().then(
      (rows) => {
        const pending = new Map<string, number>();
        for (const { phoneNumber, status, n } of rows) if (status === 'queued' || status === 'sending') pending.set(phoneNumber, (pending.get(phoneNumber) ?? 0) + n);
        this.rows = rows;
        this.pending = pending;
      },
      (err: unknown) => this.logger.warn({ err }, 'outbox figures: could not read the message counts; keeping the last ones'),
    ).finally(() => {
      this.reading = null;
    });
    return this.reading;
  }
}
