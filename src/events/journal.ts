import crypto from 'node:crypto';
import type { EventRepository } from '../db/repositories/events.js';
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
 * Numbers, stores and announces every message of every number. Storing, numbering and announcing happen in
 * one synchronous step (better-sqlite3), so a reader that replays from the store and then joins the live
 * stream in one step as well can neither miss nor repeat a message.
 */
export class EventJournal {
  private readonly emitter: TypedEmitter<JournalEvents>;
  /** Every stored event, in `seq` order per number, after its transaction committed. */
  readonly events: Listenable<JournalEvents>;
  private readonly durable: DurableSubscriber[] = [];

  constructor(
    private readonly repo: EventRepository,
    private readonly transaction: <T>(work: () => T) => T,
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

  record(phoneNumber: string, port: number | null, draft: FeedDraft): RecordedEvent {
    const at = this.clock.now();
    const afterCommit: (() => void)[] = [];
    const recorded = this.transaction(() => {
      const seq = this.repo.lastSeq(phoneNumber) + 1;
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
      const { seq: _seq, ...stored } = message;
      const payload = { ...stored, outbound: draft.outbound, port, ...(derived.length > 0 ? { derived } : {}) };
      this.repo.insert({ phoneNumber, seq, type: message.type, payload, createdAt: at });
      return event;
    });
    for (const after of afterCommit) {
      try {
        after();
      } catch (err) {
        this.logger.error({ err, phoneNumber }, 'an after-commit step of a journal subscriber failed');
      }
    }
    this.emitter.emit('recorded', recorded);
    return recorded;
  }

  lastSeq(phoneNumber: string): number {
    return this.repo.lastSeq(phoneNumber);
  }

  /** The newest `limit` messages after `since`, oldest first. */
  replay(phoneNumber: string, since: number, limit: number): ReplayResult {
    const lastSeq = this.repo.lastSeq(phoneNumber);
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
    return { messages: rows.map((row) => toMessage(row.seq, row.payload)), lastSeq: this.repo.lastSeq(phoneNumber), firstSeq: this.repo.firstSeq(phoneNumber) };
  }

  /** Forget every event of an unregistered number; a new registration starts again at sequence 1. */
  forget(phoneNumber: string): void {
    this.repo.deleteForNumber(phoneNumber);
  }

  /** Forget events older than `retentionMs` (each number keeps its newest, which carries the sequence on). */
  prune(retentionMs: number): number {
    return this.repo.prune(this.clock.now() - retentionMs);
  }
}

function toMessage(seq: number, payload: Record<string, unknown>): FeedMessage {
  const { outbound: _outbound, port: _port, derived: _derived, ...message } = payload;
  return { ...message, seq } as FeedMessage;
}
