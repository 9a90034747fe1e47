import crypto from 'node:crypto';
import type { EventRepository } from '../db/repositories/events.js';
import type { TurnWriter } from '../db/turn-writer.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import type { DerivedEvent, FeedDraft, FeedMessage, RecordedEvent } from './feed-message.js';

/** What a durable subscriber may add to the event it is handed. */
export interface RecordContext {
  /** Publish a change with the event's `seq` (stored with it, so a resuming client gets it too). */
  derive(event: DerivedEvent): void;
}

/**
 * Something that must be written in the same transaction as the event (the webhook outbox, the conversation
 * store). A subscriber that throws rolls the event back: nothing is stored, numbered or published.
 */
export interface DurableSubscriber {
  /** Runs inside the storing transaction; the returned function runs after the commit. */
  onRecord(event: RecordedEvent, context: RecordContext): (() => void) | void;
}

export interface JournalEvents {
  [event: string]: unknown;
  recorded: RecordedEvent;
}

export interface ReplayResult {
  readonly messages: FeedMessage[];
  /** What was derived from those messages, by `seq` (only the seqs that have any). */
  readonly derived: ReadonlyMap<number, readonly DerivedEvent[]>;
  /** The number's newest sequence number. */
  readonly lastSeq: number;
  /** True when events after `since` are missing from the answer (older than the window or pruned). */
  readonly truncated: boolean;
}

/**
 * Numbers, stores and announces every message of every number. Two ways in, one order per number:
 * - `append` (the hot paths: the children's webhooks and feeds, the supervisor): the event is stored in the turn's
 *   transaction (TurnWriter) with everything else the turn writes, and announced right after that commit;
 * - `record`: stored at once, in the caller's transaction if one is open (so it commits or rolls back with the
 *   caller's own writes), and announced right after its commit. Whatever `append` has queued is stored first.
 * Either, called while a write of the turn's transaction runs (a listener of an accept), joins that write.
 * A message is numbered when it is stored, and announced in the same synchronous step as the commit, so a reader
 * that replays from the store and joins the live stream in one synchronous step can neither miss nor repeat one.
 * The newest `seq` of each number is kept in memory (read from the store the first time, and again after a
 * rollback), so numbering costs no query.
 */
export class EventJournal {
  private readonly emitter: TypedEmitter<JournalEvents>;
  /** Every stored event, in `seq` order per number, after its transaction committed. */
  readonly events: Listenable<JournalEvents>;
  private readonly durable: DurableSubscriber[] = [];
  private readonly seqs = new Map<string, number>();

  constructor(
    private readonly repo: EventRepository,
    private readonly writer: TurnWriter,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    // A failing consumer (Socket.IO, receipts) must not make the ingress think the event was not stored.
    this.emitter = new TypedEmitter((err, event) => logger.error({ err, event }, 'a journal listener failed'));
    this.events = this.emitter.view;
  }

  addDurableSubscriber(subscriber: DurableSubscriber): void {
    this.durable.push(subscriber);
  }

  /** Store in this turn's transaction; resolves once committed and announced (rejects if it was not stored). */
  append(phoneNumber: string, port: number | null, draft: FeedDraft): Promise<RecordedEvent> {
    const at = this.clock.now();
    const afterCommit: (() => void)[] = [];
    return this.writer.write(
      () => this.store(phoneNumber, port, draft, at, afterCommit),
      (event) => this.announce(event, afterCommit),
      () => this.seqs.delete(phoneNumber),
    );
  }

  /**
   * Store now and return the stored event; announced once committed. Inside a caller's transaction it commits or
   * rolls back with the caller's writes (and is announced at once); inside the turn's transaction (a listener
   * called by one of its writes) it joins that write and is announced after the turn's commit.
   */
  record(phoneNumber: string, port: number | null, draft: FeedDraft): RecordedEvent {
    const at = this.clock.now();
    const foreign = this.writer.inForeignTransaction();
    // Queued appends come first (seq order); inside a caller's transaction they join it.
    this.writer.flush();
    const afterCommit: (() => void)[] = [];
    const recorded = this.writer.now(
      () => this.store(phoneNumber, port, draft, at, afterCommit),
      (event) => this.announce(event, afterCommit),
      () => this.seqs.delete(phoneNumber),
    );
    // The caller's transaction may still roll back: numbering must then come from the store again.
    if (foreign) this.seqs.clear();
    return recorded;
  }

  /** Inside a transaction: number the event, store it, let the durable subscribers write theirs. */
  private store(phoneNumber: string, port: number | null, draft: FeedDraft, at: number, afterCommit: (() => void)[]): RecordedEvent {
    const seq = this.lastSeq(phoneNumber) + 1;
    const message = {
      ...draft.body,
      seq,
      eventId: crypto.randomUUID(),
      phoneNumber,
      source: draft.source,
      event: draft.event,
      at: new Date(at).toISOString(),
    } as FeedMessage;
    const derived: DerivedEvent[] = [];
    const event: RecordedEvent = { phoneNumber, port, message, outbound: draft.outbound, derived };
    const context: RecordContext = { derive: (change) => void derived.push(change) };
    for (const subscriber of this.durable) {
      const after = subscriber.onRecord(event, context);
      if (after) afterCommit.push(after);
    }
    // After the subscribers: what they derived is stored with the event (a resuming client gets it too).
    const { seq: _seq, ...stored } = message;
    const payload = { ...stored, outbound: draft.outbound, port, ...(derived.length > 0 ? { derived } : {}) };
    this.repo.insert({ phoneNumber, seq, type: message.type, payload, createdAt: at });
    // Only once everything of the event is written: a subscriber that throws leaves the count where it was.
    this.seqs.set(phoneNumber, seq);
    return event;
  }

  private announce(event: RecordedEvent, afterCommit: readonly (() => void)[]): void {
    for (const after of afterCommit) {
      try {
        after();
      } catch (err) {
        this.logger.error({ err, phoneNumber: event.phoneNumber }, 'an after-commit step of a journal subscriber failed');
      }
    }
    this.emitter.emit('recorded', event);
  }

  /** The number's newest stored sequence number (0 when it has none). */
  lastSeq(phoneNumber: string): number {
    let seq = this.seqs.get(phoneNumber);
    if (seq === undefined) {
      seq = this.repo.lastSeq(phoneNumber);
      this.seqs.set(phoneNumber, seq);
    }
    return seq;
  }

  /** The newest `limit` messages after `since`, oldest first. */
  replay(phoneNumber: string, since: number, limit: number): ReplayResult {
    const lastSeq = this.lastSeq(phoneNumber);
    if (since >= lastSeq) return { messages: [], derived: new Map(), lastSeq, truncated: false };
    const rows = this.repo.newestAfter(phoneNumber, since, limit);
    const first = rows[0]?.seq ?? lastSeq + 1;
    const derived = new Map<number, readonly DerivedEvent[]>();
    for (const row of rows) {
      const list = row.payload['derived'];
      if (Array.isArray(list) && list.length > 0) derived.set(row.seq, list as DerivedEvent[]);
    }
    return { messages: rows.map((row) => toMessage(row.seq, row.payload)), derived, lastSeq, truncated: first > since + 1 };
  }

  /** Oldest first from `since`, for paging through history (REST catch-up beyond the Socket.IO window). */
  page(phoneNumber: string, since: number, limit: number): { messages: FeedMessage[]; lastSeq: number; firstSeq: number | null } {
    const rows = this.repo.after(phoneNumber, since, limit);
    return { messages: rows.map((row) => toMessage(row.seq, row.payload)), lastSeq: this.lastSeq(phoneNumber), firstSeq: this.repo.firstSeq(phoneNumber) };
  }

  /** Forget every event of an unregistered number; a new registration starts again at sequence 1. */
  forget(phoneNumber: string): void {
    this.writer.flush();
    this.repo.deleteForNumber(phoneNumber);
    this.seqs.delete(phoneNumber);
  }

  /** Rows of `from` moved to `to` (a pending number bound to its phone): both keys' numbering is read again. */
  renamed(from: string, to: string): void {
    this.seqs.delete(from);
    this.seqs.delete(to);
  }

  /** Forget events older than `retentionMs` (each number keeps its newest, which carries the sequence on). */
  prune(retentionMs: number): number {
    return this.repo.prune(this.clock.now() - retentionMs);
  }
}

/**
 * A recorded event as the row `store` wrote (its type and payload, without its local seq): the inverse of
 * `storedEvent`, for another journal to number it anew (distributed mode's Postgres journal).
 */
export function recordedDraft(event: RecordedEvent): { readonly type: string; readonly payload: Record<string, unknown> } {
  const { seq: _seq, ...stored } = event.message;
  const payload = { ...stored, outbound: event.outbound, port: event.port, ...(event.derived.length > 0 ? { derived: event.derived } : {}) };
  return { type: event.message.type, payload };
}

/** A stored row as the event it was when recorded (what another node's reader of the journal publishes). */
export function storedEvent(phoneNumber: string, seq: number, payload: Record<string, unknown>): RecordedEvent {
  const port = typeof payload['port'] === 'number' ? payload['port'] : null;
  const derived = Array.isArray(payload['derived']) ? (payload['derived'] as DerivedEvent[]) : [];
  return { phoneNumber, port, message: toMessage(seq, payload), outbound: payload['outbound'] === true, derived };
}

function toMessage(seq: number, payload: Record<string, unknown>): FeedMessage {
  const { outbound: _outbound, port: _port, derived: _derived, ...message } = payload;
  return { ...message, seq } as FeedMessage;
}
