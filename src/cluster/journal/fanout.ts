import type pg from 'pg';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { Wakeups } from '../wakeups.js';
import { lastSeqs, rowsAfterEach } from './rows.js';
import { parseNotice, type JournalEntry } from './types.js';

export interface FanoutSettings {
  /** Every this often the followed numbers' newest seqs are read anyway: a notice lost on a dead link is caught up. */
  readonly pollMs: number;
  /** Rows read per number per query while catching up (a number with more is read again at once). */
  readonly readLimit: number;
  /** Numbers read per query. */
  readonly readNumbers: number;
  /** Pause before a failed read is tried again, and before re-opening the LISTEN connection. */
  readonly retryMs: number;
}

export const DEFAULT_FANOUT_SETTINGS: FanoutSettings = { pollMs: 1000, readLimit: 500, readNumbers: 500, retryMs: 500 };

export interface FanoutDeps {
  readonly pool: pg.Pool;
  /** A connection of its own for LISTEN (src/cluster/pool.ts connectClient). */
  readonly listen: () => Promise<pg.Client>;
  /** Every entry of a followed number, in seq order, each once. */
  readonly deliver: (entry: JournalEntry) => void;
  readonly settings?: Partial<FanoutSettings>;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * A node's reader of the Postgres journal (DM-22): for each number it follows (those it has sockets for), it
 * delivers every new row in seq order, never one twice and never one skipped. A NOTIFY `(number, seq)` only marks
 * the number to be read: rows are always read from the last delivered seq, so notices that were lost (LISTEN
 * connection down, server restarted) or coalesced change nothing but the delay. One read loop serves every
 * number: each query reads all the numbers marked since the last one. Re-opening the connection marks every
 * followed number; a slow poll catches what a silently dead link missed.
 */
export class JournalFanout {
  private readonly settings: FanoutSettings;
  private readonly clock: Clock;
  /** The last seq delivered, per followed number. */
  private readonly followed = new Map<string, number>();
  /** Followed numbers that may have rows after their last delivered seq. */
  private readonly marked = new Set<string>();
  private readonly wakeups: Wakeups;
  private reading = false;
  private retry: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly deps: FanoutDeps) {
    this.settings = { ...DEFAULT_FANOUT_SETTINGS, ...deps.settings };
    this.clock = deps.clock ?? systemClock;
    this.wakeups = new Wakeups(deps.listen, 'journal', (payload) => this.onNotice(payload), this.settings.retryMs, deps.logger);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.wakeups.start();
    this.schedulePoll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.poll, this.retry]) if (timer) this.clock.clearTimeout(timer);
    this.poll = this.retry = null;
    await this.wakeups.stop();
  }

  /**
   * Deliver the number's entries after `since` (a resuming client's last seq), or only new ones (`since` omitted:
   * from its newest seq now). Returns the seq delivery starts after. Following a number already followed changes nothing.
   */
  async follow(phoneNumber: string, since?: number): Promise<number> {
    const known = this.followed.get(phoneNumber);
    if (known !== undefined) return known;
    const from = since ?? (await lastSeqs(this.deps.pool, [phoneNumber])).get(phoneNumber) ?? 0;
    const meanwhile = this.followed.get(phoneNumber);
    if (meanwhile !== undefined) return meanwhile;
    this.followed.set(phoneNumber, from);
    this.mark(phoneNumber);
    return from;
  }

  unfollow(phoneNumber: string): void {
    this.followed.delete(phoneNumber);
    this.marked.delete(phoneNumber);
  }

  /** The last seq delivered for the number (undefined when not followed). */
  position(phoneNumber: string): number | undefined {
    return this.followed.get(phoneNumber);
  }

  private onNotice(payload: string | null): void {
    if (payload === null) {
      for (const phoneNumber of this.followed.keys()) this.mark(phoneNumber);
      return;
    }
    const notice = parseNotice(payload);
    const last = notice ? this.followed.get(notice.number) : undefined;
    if (notice && last !== undefined && notice.seq > last) this.mark(notice.number);
  }

  private mark(phoneNumber: string): void {
    this.marked.add(phoneNumber);
    if (!this.reading && !this.retry && !this.stopped) void this.readMarked();
  }

  /** The one read loop: while numbers are marked, read them (a batch per query) and deliver in seq order. */
  private async readMarked(): Promise<void> {
    this.reading = true;
    try {
      while (this.marked.size > 0 && !this.stopped) {
        const taken = [...this.marked].slice(0, this.settings.readNumbers);
        for (const phoneNumber of taken) this.marked.delete(phoneNumber);
        const batch = new Map<string, number>();
        for (const phoneNumber of taken) {
          const last = this.followed.get(phoneNumber);
          if (last !== undefined) batch.set(phoneNumber, last);
        }
        if (batch.size === 0) continue;
        let rows: JournalEntry[];
        try {
          rows = await rowsAfterEach(this.deps.pool, batch, this.settings.readLimit);
        } catch (err) {
          for (const phoneNumber of batch.keys()) this.marked.add(phoneNumber);
          this.deps.logger?.warn({ code: (err as { code?: string }).code, numbers: batch.size }, 'cluster: reading the journal failed; trying again');
          this.retryLater();
          return;
        }
        const counts = new Map<string, number>();
        for (const entry of rows) {
          counts.set(entry.phoneNumber, (counts.get(entry.phoneNumber) ?? 0) + 1);
          const last = this.followed.get(entry.phoneNumber);
          // Unfollowed meanwhile, or already delivered: never twice.
          if (last === undefined || entry.seq <= last) continue;
          this.followed.set(entry.phoneNumber, entry.seq);
          this.deliverOne(entry);
        }
        // A full page: more may follow at once.
        for (const [phoneNumber, count] of counts) if (count >= this.settings.readLimit && this.followed.has(phoneNumber)) this.marked.add(phoneNumber);
      }
    } finally {
      this.reading = false;
    }
  }

  private retryLater(): void {
    if (this.stopped || this.retry) return;
    this.retry = this.clock.setTimeout(() => {
      this.retry = null;
      if (this.marked.size > 0 && !this.reading) void this.readMarked();
    }, this.settings.retryMs);
  }

  private deliverOne(entry: JournalEntry): void {
    try {
      this.deps.deliver(entry);
    } catch (err) {
      // The row is the source: a consumer that throws must not stop the others' stream or make it repeat.
      this.deps.logger?.error({ err, phoneNumber: entry.phoneNumber, seq: entry.seq }, 'cluster: a journal consumer failed');
    }
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.poll = this.clock.setTimeout(() => {
      this.poll = null;
      void this.pollOnce().finally(() => this.schedulePoll());
    }, this.settings.pollMs);
  }

  private async pollOnce(): Promise<void> {
    if (this.followed.size === 0) return;
    try {
      const newest = await lastSeqs(this.deps.pool, [...this.followed.keys()]);
      for (const [phoneNumber, seq] of newest) if (seq > (this.followed.get(phoneNumber) ?? Infinity)) this.mark(phoneNumber);
    } catch {
      // The server is away; the LISTEN reconnect and the next poll catch up.
    }
  }
}
