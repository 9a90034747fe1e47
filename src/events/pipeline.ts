import type { DatabaseHandle } from '../db/client.js';
import { EventRepository } from '../db/repositories/events.js';
import type { TurnWriter } from '../db/turn-writer.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { QrEvents } from '../qr/qr-service.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { ChildFeeds } from './child-feeds.js';
import { FeedRecorder } from './feed-recorder.js';
import { InboundWebhooks } from './inbound-webhooks.js';
import { EventJournal, type DurableSubscriber, type JournalEvents } from './journal.js';

export interface EventPipelineSettings {
  /** EVENT_RETENTION: how long stored events are kept for resume. */
  readonly retentionMs: number;
  /** CHILD_FEED_PING_INTERVAL: a child's `/ws` with no pong for this long is reconnected. */
  readonly feedPingIntervalMs: number;
}

export interface EventPipelineDeps {
  readonly database: DatabaseHandle;
  /** The turn's transaction the events are stored in (shared with the outbox and the webhooks). */
  readonly writer: TurnWriter;
  readonly supervisor: Supervisor;
  readonly qr: Listenable<QrEvents>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: EventPipelineSettings;
}

/**
 * The event pipeline: what the children report (their `/ws` feeds and their webhooks), what the supervisor and
 * the QR service announce → the journal, which numbers each number's events, stores them together with what its
 * durable subscribers write (webhook deliveries, receipts, the conversation store) in the turn's transaction, then
 * publishes them in `seq` order. Consumers subscribe to `events` (listen-only); a throwing consumer never breaks the others.
 */
export class EventPipeline {
  readonly feeds: ChildFeeds;
  readonly journal: EventJournal;
  /** The children's webhook receiver (mounted at /internal/webhooks/{phone}). */
  readonly inbound: InboundWebhooks;
  private readonly recorder: FeedRecorder;

  constructor(private readonly deps: EventPipelineDeps) {
    const { database, supervisor, clock, logger, settings } = deps;
    this.journal = new EventJournal(new EventRepository(database.db), deps.writer, clock, logger);
    this.feeds = new ChildFeeds(supervisor.events, clock, logger, settings.feedPingIntervalMs);
    const portOf = (phoneNumber: string) => supervisor.runner(phoneNumber)?.port ?? null;
    this.recorder = new FeedRecorder({ feeds: this.feeds.events, supervisor: supervisor.events, qr: deps.qr, portOf }, this.journal, logger);
    this.inbound = new InboundWebhooks({
      secretFor: (phoneNumber) => supervisor.runner(phoneNumber)?.webhookSecret ?? null,
      portFor: portOf,
      keyOf: (key) => supervisor.currentKey(key),
      journal: this.journal,
      clock,
      logger,
    });
  }

  /** Every stored event of every number, after its transaction committed. */
  get events(): Listenable<JournalEvents> {
    return this.journal.events;
  }

  /** Register something written in the same transaction as each event (call before events flow). */
  addDurableSubscriber(subscriber: DurableSubscriber): void {
    this.journal.addDurableSubscriber(subscriber);
  }

  /** The number was unregistered: its events must not reach whoever registers it next. */
  forget(phoneNumber: string): void {
    this.journal.forget(phoneNumber);
  }

  /** A pending number's events were renamed to its phone (numbered on there). */
  renamed(from: string, to: string): void {
    this.journal.renamed(from, to);
  }

  /** Forget events past EVENT_RETENTION; returns how many went. */
  prune(): number {
    return this.journal.prune(this.deps.settings.retentionMs);
  }

  close(): void {
    this.recorder.close();
    this.feeds.close();
  }
}
