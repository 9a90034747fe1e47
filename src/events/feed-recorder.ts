import type { Logger } from '../lib/logger.js';
import type { QrEvents } from '../qr/qr-service.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { SupervisorEvents } from '../supervisor/types.js';
import type { ChildFeedEvents } from './child-feed-events.js';
import type { FeedDraft } from './feed-message.js';
import type { EventJournal } from './journal.js';
import { fromBound, fromFrame, fromQr, fromSessionChange, fromStateChange } from './normalize.js';

export interface RecorderSources {
  readonly feeds: Listenable<ChildFeedEvents>;
  readonly supervisor: Listenable<SupervisorEvents>;
  readonly qr: Listenable<QrEvents>;
  /** The port of a number's running child, for events that do not carry it. */
  readonly portOf: (phoneNumber: string) => number | null;
}

/**
 * Turns what the children's `/ws` feeds, the QR service and the supervisor announce into journal entries
 * (numbered, stored, published). Webhook events are recorded by the inbound receiver itself, which must answer
 * the child.
 */
export class FeedRecorder {
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly sources: RecorderSources,
    private readonly journal: EventJournal,
    private readonly logger: Logger,
  ) {
    this.unsubscribe.push(
      sources.feeds.on('frame', ({ phoneNumber, port, frame }) => this.record(phoneNumber, port, fromFrame(frame))),
      sources.qr.on('qr', ({ phoneNumber, port, qrCode, expiresAt }) => this.record(phoneNumber, port, fromQr(qrCode, expiresAt))),
      sources.supervisor.on('state', ({ phoneNumber, from, to, reason }) => this.record(phoneNumber, null, fromStateChange(from, to, reason))),
      sources.supervisor.on('session', ({ phoneNumber, from, to, jid }) => this.record(phoneNumber, null, fromSessionChange(from, to, jid))),
      sources.supervisor.on('bound', ({ phoneNumber, pendingId }) => this.record(phoneNumber, null, fromBound(pendingId))),
    );
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe.length = 0;
  }

  /** Never throws: a failed write (disk full) must not break the supervisor that emitted the event. */
  private record(phoneNumber: string, port: number | null, draft: FeedDraft): void {
    this.journal.append(phoneNumber, port ?? this.sources.portOf(phoneNumber), draft).catch((err: unknown) => {
      this.logger.error({ phoneNumber, event: draft.event, err }, 'could not record an event');
    });
  }
}
