import type { MessageStatus } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import { Polled } from './polled.js';

export type StatusCount = { readonly phoneNumber: string; readonly status: MessageStatus; readonly n: number };

/** What the outbox's figures (metrics, health, queue depths) are read from; answers at once. */
export interface OutboxCounts {
  countsByStatus(): readonly StatusCount[];
  depth(phoneNumber: string): number;
}

interface Counted {
  readonly rows: readonly StatusCount[];
  readonly pending: ReadonlyMap<string, number>;
}

/**
 * The outbox's figures in distributed mode: the rows are in Postgres, shared by every node. One grouped query every
 * `periodMs` serves every number (a user's own queue read, `GET …/queue`, still asks Postgres).
 */
export class PolledOutboxCounts implements OutboxCounts {
  private readonly polled: Polled<Counted>;

  constructor(read: () => Promise<readonly StatusCount[]>, periodMs: number, logger: Logger) {
    this.polled = new Polled(async () => counted(await read()), { rows: [], pending: new Map() }, periodMs, logger, 'outbox figures');
  }

  start(): Promise<void> {
    return this.polled.start();
  }

  stop(): void {
    this.polled.stop();
  }

  countsByStatus(): readonly StatusCount[] {
    return this.polled.get().rows;
  }

  depth(phoneNumber: string): number {
    return this.polled.get().pending.get(phoneNumber) ?? 0;
  }
}

function counted(rows: readonly StatusCount[]): Counted {
  const pending = new Map<string, number>();
  for (const { phoneNumber, status, n } of rows) if (status === 'queued' || status === 'sending') pending.set(phoneNumber, (pending.get(phoneNumber) ?? 0) + n);
  return { rows, pending };
}
