import crypto from 'node:crypto';
import type { EventRepository } from '../db/repositories/events.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import type { FeedDraft, FeedMessage, RecordedEvent } from './feed-message.js';

/**
 * Something that must be written in the same transaction as the event (the webhook outbox, the conversation
 * store). A subscriber that throws rolls the event back: nothing is stored, numbered or published.
 */
export interface DurableSubscriber {
  /** Runs inside the storing transaction; the returned function runs after the commit. */
  onRecord(event: RecordedEvent): (() => void) | void;
}

export interface JournalEvents {
  [event: string]: unknown;
  recorded: RecordedEvent;
}

export interface ReplayResult {
  readonly messages: FeedMessage[];
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
      const { seq: _seq, ...stored } = message;
      this.repo.insert({ phoneNumber, seq, type: message.type, payload: { ...stored, outbound: draft.outbound, port }, createdAt: at });
      const event: RecordedEvent = { phoneNumber, port, message, outbound: draft.outbound };
      for (const subscriber of this.durable) {
        const after = subscriber.onRecord(event);
        if (after) afterCommit.push(after);
      }
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
    if (since >= lastSeq) return { messages: [], lastSeq, truncated: false };
    const rows = this.repo.newestAfter(phoneNumber, since, limit);
    const first = rows[0]?.seq ?? lastSeq + 1;
    return { messages: rows.map((row) => toMessage(row.seq, row.payload)), lastSeq, truncated: first > since + 1 };
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
  const { outbound: _outbound, port: _port, ...message } = payload;
  return { ...message, seq } as FeedMessage;
}
