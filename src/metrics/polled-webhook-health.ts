import type { Logger } from '../lib/logger.js';
import type { WebhookHealth } from '../webhooks/health.js';

const NONE: WebhookHealth = { status: 'ok', endpoints: [], totals: { pending: 0, retrying: 0, dead: 0 } };

/**
 * The webhook backlog for metrics and the detailed health in distributed mode: the deliveries are in Postgres, and
 * health contributors and scrapes answer at once, so one grouped query every `periodMs` serves them (the figures,
 * `inFlight` included, are at most that old; `GET /api/health/webhooks` still asks Postgres).
 */
export class PolledWebhookHealth {
  private last: WebhookHealth = NONE;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;

  constructor(
    private readonly read: () => Promise<WebhookHealth>,
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

  get(): WebhookHealth {
    return this.last;
  }

  private refresh(): Promise<void> {
    this.reading ??= this.read()
      .then(
        (health) => void (this.last = health),
        (err: unknown) => this.logger.warn({ err }, 'webhook figures: could not read the backlog; keeping the last one'),
      )
      .finally(() => {
        this.reading = null;
      });
    return this.reading;
  }
}
