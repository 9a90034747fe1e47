import type pg from 'pg';
import type { Logger } from '../lib/logger.js';

/**
 * LISTEN on one channel (`ownership`, `journal`, `changes`) on a connection of its own (DM-3): a notification only means "look
 * now" (its listener polls anyway, and NOTIFY is lost while nobody listens). `onWake` gets the notification's
 * payload, or null right after (re)connecting: whatever was announced meanwhile is unknown, so look at everything.
 * A dropped connection is re-opened after a pause.
 */
export class Wakeups {
  private client: pg.Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly connect: () => Promise<pg.Client>,
    private readonly channel: 'ownership' | 'journal' | 'changes',
    private readonly onWake: (payload: string | null) => void,
    private readonly retryMs: number,
    private readonly logger?: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    try {
      const client = await this.connect();
      if (this.stopped) return void (await client.end().catch(() => undefined));
      client.on('notification', (message) => {
        if (message.channel === this.channel) this.onWake(message.payload ?? '');
      });
      client.on('error', (err) => this.lost(client, err));
      client.on('end', () => this.lost(client));
      await client.query(`LISTEN ${this.channel}`);
      this.client = client;
      // Whatever was announced while we were not listening: look once.
      this.onWake(null);
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
    this.logger?.warn({ code: (err as { code?: string }).code, channel: this.channel }, 'cluster: a LISTEN connection failed; polling only until it is back');
  }
}
