import type pg from 'pg';
import type { Logger } from '../lib/logger.js';

/**
 * LISTEN `ownership` on a connection of its own (DM-3): a notification only means "look now" (the claim loop polls
 * anyway, and NOTIFY is lost while nobody listens). A dropped connection is re-opened after a pause.
 */
export class Wakeups {
  private client: pg.Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly connect: () => Promise<pg.Client>,
    private readonly onWake: () => void,
    private readonly retryMs: number,
    private readonly logger?: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    try {
      const client = await this.connect();
      if (this.stopped) return void (await client.end().catch(() => undefined));
      client.on('notification', () => this.onWake());
      client.on('error', (err) => this.lost(client, err));
      client.on('end', () => this.lost(client));
      await client.query('LISTEN ownership');
      this.client = client;
      // Whatever was announced while we were not listening: look once.
      this.onWake();
    } catch (err) {
      this.warn(err);
      this.again();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private lost(client: pg.Client, err?: Error): void {
    if (this.client !== client) return;
    this.client = null;
    if (err) this.warn(err);
    client.end().catch(() => undefined);
    this.again();
  }

  private again(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, this.retryMs);
  }

  private warn(err: unknown): void {
    this.logger?.warn({ code: (err as { code?: string }).code }, 'cluster: the ownership LISTEN connection failed; polling only until it is back');
  }
}
