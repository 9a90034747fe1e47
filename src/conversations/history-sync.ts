import type { SyncReads, SyncWrites } from '../db/ports/syncs.js';
import type { SyncRow } from '../db/schema.js';
import { ChildHttpError, type GowaClient } from '../gowa/client.js';
import type { FeedDraft, SyncProgress } from '../events/feed-message.js';
import type { EventJournal } from '../events/journal.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { SupervisorEvents } from '../supervisor/types.js';
import { syncPage, type PageResult } from './history-page.js';
import type { ConversationStore } from './store.js';

export interface HistorySyncSettings {
  /** HISTORY_SYNC_DAYS: how far back a first sync goes; 0 = no automatic sync after login. */
  readonly days: number;
  /** HISTORY_SYNC_DELAY: after a login, wait this long (WhatsApp pushes history to a new device over a while). */
  readonly delayMs: number;
  /** HISTORY_SYNC_CONCURRENCY: pages fetched at once across all numbers. */
  readonly concurrency: number;
  /** Page size of the child's `/chats` and `/chat/{jid}/messages` (the binary allows at most 100). */
  readonly pageSize: number;
}

export interface HistorySyncDeps {
  /** Written in each page's transaction (synchronous: the page's SQLite transaction). */
  readonly repo: SyncWrites<'sync'>;
  /** What `GET …/chats/sync` reads. */
  readonly reads: SyncReads;
  readonly store: ConversationStore;
  readonly transaction: <T>(work: () => T) => T;
  /** The number's child while it runs logged in, else null (a sync then waits for it). */
  readonly child: (phoneNumber: string) => GowaClient | null;
  readonly supervisor: Listenable<SupervisorEvents>;
  readonly journal: Pick<EventJournal, 'record'>;
  readonly portOf: (phoneNumber: string) => number | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: HistorySyncSettings;
}

const DAY_MS = 86_400_000;
/** A sync after a restart looks this far before the last sync's start (clock skew, messages in flight). */
const OVERLAP_MS = 5 * 60_000;
const PROGRESS_EVERY_MS = 2000;
const MAX_FAILURES = 5;

export function progressOf(row: SyncRow): SyncProgress {
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  const listed = row.chats !== null && row.chatIndex >= 0;
  return {
    state: row.state,
    chatsTotal: listed ? (row.chats?.length ?? 0) : null,
    chatsDone: listed ? Math.min(row.chatIndex, row.chats?.length ?? 0) : 0,
    messagesSeen: row.messagesSeen,
    messagesAdded: row.messagesAdded,
    since: new Date(row.since).toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    error: row.error,
  };
}

/**
 * History backfill: pages each number's chats (`/chats`) and their messages (`/chat/{jid}/messages`) into the
 * store, one page per turn, round robin over the numbers that have a sync, at most `concurrency` pages at once
 * (a number with 5,000 chats takes turns with the others). Where it is lives in `conversation_syncs` after
 * every page, so a restarted gateway carries on from that page; storing is idempotent, so a page fetched twice
 * adds nothing. Starts by itself after a login (the first time HISTORY_SYNC_DAYS back, later from the last
 * sync's start) and on request.
 */
export class HistorySync {
  private readonly turns: string[] = [];
  private readonly busy = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly lastProgress = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly off: (() => void)[] = [];
  private running = 0;
  private closed = false;

  constructor(private readonly deps: HistorySyncDeps) {}

  start(): void {
    for (const row of this.deps.repo.unfinished()) this.enqueue(row.phoneNumber);
    this.off.push(
      this.deps.supervisor.on('session', ({ phoneNumber, to }) => {
        if (to === 'logged_in') this.afterLogin(phoneNumber);
      }),
      // A new process of a number that stayed logged in (a gateway restart after a crash) reports no login.
      this.deps.supervisor.on('ready', ({ phoneNumber }) => this.afterLogin(phoneNumber)),
    );
    this.pump();
  }

  async status(phoneNumber: string): Promise<SyncProgress | null> {
    const row = await this.deps.reads.get(phoneNumber);
    return row ? progressOf(row) : null;
  }

  /** A sync on request (`days` back, default HISTORY_SYNC_DAYS or 30); one already under way is left to finish. */
  request(phoneNumber: string, days?: number): SyncProgress {
    const existing = this.deps.repo.get(phoneNumber);
    if (existing && (existing.state === 'queued' || existing.state === 'running')) return progressOf(existing);
    const now = this.deps.clock.now();
    const row = this.fresh(phoneNumber, now - (days ?? (this.deps.settings.days || 30)) * DAY_MS, existing);
    this.enqueue(phoneNumber);
    this.pump();
    return progressOf(row);
  }

  forget(phoneNumber: string): void {
    this.deps.repo.deleteForNumber(phoneNumber);
    const timer = this.timers.get(phoneNumber);
    if (timer) this.deps.clock.clearTimeout(timer);
    this.timers.delete(phoneNumber);
    const at = this.turns.indexOf(phoneNumber);
    if (at >= 0) this.turns.splice(at, 1);
  }

  close(): void {
    this.closed = true;
    for (const off of this.off) off();
    for (const timer of this.timers.values()) this.deps.clock.clearTimeout(timer);
    this.timers.clear();
  }

  /** After a login (or a new process of a logged-in number): resume a sync under way, or catch up on what was missed. */
  private afterLogin(phoneNumber: string): void {
    const existing = this.deps.repo.get(phoneNumber);
    if (existing && (existing.state === 'queued' || existing.state === 'running')) {
      this.enqueue(phoneNumber);
      this.pump();
      return;
    }
    if (this.deps.settings.days <= 0) return;
    const previous = this.timers.get(phoneNumber);
    if (previous) this.deps.clock.clearTimeout(previous);
    this.timers.set(
      phoneNumber,
      this.deps.clock.setTimeout(() => {
        this.timers.delete(phoneNumber);
        // Not (or no longer) logged in: its next login schedules it again.
        if (this.closed || !this.deps.child(phoneNumber)) return;
        const row = this.deps.repo.get(phoneNumber);
        if (row && (row.state === 'queued' || row.state === 'running')) return;
        const now = this.deps.clock.now();
        const floor = now - this.deps.settings.days * DAY_MS;
        const since = row?.lastDoneAt ? Math.max(floor, row.lastDoneAt - OVERLAP_MS) : floor;
        this.fresh(phoneNumber, since, row);
        this.enqueue(phoneNumber);
        this.pump();
      }, this.deps.settings.delayMs),
    );
  }

  private fresh(phoneNumber: string, since: number, previous: SyncRow | undefined): SyncRow {
    const now = this.deps.clock.now();
    return this.deps.repo.put({
      phoneNumber,
      state: 'queued',
      since,
      until: now,
      chats: [],
      chatIndex: -1,
      offset: 0,
      messagesSeen: 0,
      messagesAdded: 0,
      error: null,
      requestedAt: now,
      startedAt: null,
      finishedAt: null,
      lastDoneAt: previous?.lastDoneAt ?? null,
      updatedAt: now,
    });
  }

  private enqueue(phoneNumber: string): void {
    if (!this.turns.includes(phoneNumber)) this.turns.push(phoneNumber);
  }

  /** Start pages while there is room: each number gets one page per turn of the round robin. */
  private pump(): void {
    if (this.closed) return;
    while (this.running < this.deps.settings.concurrency && this.turns.length > 0) {
      const phoneNumber = this.turns.shift() as string;
      if (this.busy.has(phoneNumber)) continue;
      const client = this.deps.child(phoneNumber);
      // Not running logged in: the next login puts it back in turn.
      if (!client) continue;
      this.running++;
      this.busy.add(phoneNumber);
      void this.step(phoneNumber, client).finally(() => {
        this.running--;
        this.busy.delete(phoneNumber);
        this.pump();
      });
    }
  }

  private async step(phoneNumber: string, client: GowaClient): Promise<void> {
    const row = this.deps.repo.get(phoneNumber);
    if (!row || (row.state !== 'queued' && row.state !== 'running')) return;
    let current = row;
    if (row.state === 'queued') {
      current = this.deps.repo.update(phoneNumber, { state: 'running', startedAt: row.startedAt ?? this.deps.clock.now(), updatedAt: this.deps.clock.now() }) ?? row;
      this.announce(current, true);
    }
    let saved: SyncRow | undefined;
    let done = false;
    const save = (result: PageResult): void => {
      const now = this.deps.clock.now();
      done = result.done;
      const patch = result.done ? { ...result.patch, state: 'done' as const, finishedAt: now, lastDoneAt: current.until, updatedAt: now } : { ...result.patch, updatedAt: now };
      saved = this.deps.repo.update(phoneNumber, patch);
    };
    try {
      const transaction = (work: () => void): void => this.deps.transaction(() => (this.deps.repo.get(phoneNumber) ? work() : undefined));
      await syncPage({ client, store: this.deps.store, transaction, pageSize: this.deps.settings.pageSize, save }, current);
      this.failures.delete(phoneNumber);
    } catch (err) {
      this.failed(current, err);
      return;
    }
    if (!saved || this.closed) return;
    if (done) {
      this.deps.logger.info({ phoneNumber, added: saved.messagesAdded, seen: saved.messagesSeen }, 'history sync finished');
      this.announce(saved, true);
      return;
    }
    this.announce(saved, false);
    this.enqueue(phoneNumber);
  }

  private failed(row: SyncRow, err: unknown): void {
    const { phoneNumber } = row;
    const reason = (err as Error).message;
    const count = (this.failures.get(phoneNumber) ?? 0) + 1;
    this.failures.set(phoneNumber, count);
    const gone = err instanceof ChildHttpError ? false : this.deps.child(phoneNumber) === null;
    if (gone) {
      // The child went away mid-page: wait for its next login (nothing is lost, the page is fetched again).
      this.deps.logger.info({ phoneNumber, reason }, 'history sync waits for the number to be logged in again');
      return;
    }
    if (count < MAX_FAILURES) {
      const timer = this.deps.clock.setTimeout(() => {
        this.timers.delete(`retry:${phoneNumber}`);
        this.enqueue(phoneNumber);
        this.pump();
      }, 500 * 2 ** count);
      this.timers.set(`retry:${phoneNumber}`, timer);
      return;
    }
    this.failures.delete(phoneNumber);
    const now = this.deps.clock.now();
    const next = this.deps.repo.update(phoneNumber, { state: 'failed', error: reason, finishedAt: now, updatedAt: now });
    this.deps.logger.warn({ phoneNumber, reason }, 'history sync failed');
    if (next) this.announce(next, true);
  }

  /** A journaled `chats.sync` event: on every state change, and at most every 2 s in between. */
  private announce(row: SyncRow, always: boolean): void {
    const now = this.deps.clock.now();
    if (!always && now - (this.lastProgress.get(row.phoneNumber) ?? 0) < PROGRESS_EVERY_MS) return;
    this.lastProgress.set(row.phoneNumber, now);
    const draft: FeedDraft = { source: 'gateway', event: 'chats.sync', outbound: false, body: { type: 'sync', ...progressOf(row) } };
    try {
      this.deps.journal.record(row.phoneNumber, this.deps.portOf(row.phoneNumber), draft);
    } catch (err) {
      this.deps.logger.error({ err, phoneNumber: row.phoneNumber }, 'could not journal history sync progress');
    }
  }
}
