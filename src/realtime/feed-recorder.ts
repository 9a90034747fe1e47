import type { Logger } from '../lib/logger.js';
import type { TypedEmitter } from '../lib/typed-emitter.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { EventJournal } from './event-journal.js';
import type { FeedDraft } from './feed-message.js';
import { fromFrame, fromQr, fromSessionChange, fromStateChange } from './normalize.js';
import type { ChildFeedEvents } from './types.js';

/**
 * Turns what the children's `/ws` feeds and the supervisor announce into journal entries (numbered, stored,
 * published). Webhook events are recorded by the inbound receiver itself, which must answer the child.
 */
export class FeedRecorder {
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly supervisor: Supervisor,
    feeds: TypedEmitter<ChildFeedEvents>,
    private readonly journal: EventJournal,
    private readonly logger: Logger,
  ) {
    this.unsubscribe.push(
      feeds.on('frame', ({ phoneNumber, port, frame }) => this.record(phoneNumber, port, fromFrame(frame))),
      feeds.on('qr', ({ phoneNumber, port, qrCode, expiresAt }) => this.record(phoneNumber, port, fromQr(qrCode, expiresAt))),
      supervisor.events.on('state', ({ phoneNumber, from, to, reason }) => this.record(phoneNumber, null, fromStateChange(from, to, reason))),
      supervisor.events.on('session', ({ phoneNumber, from, to, jid }) => this.record(phoneNumber, null, fromSessionChange(from, to, jid))),
    );
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe.length = 0;
  }

  /** Never throws: a failed write (disk full) must not break the supervisor that emitted the event. */
  private record(phoneNumber: string, port: number | null, draft: FeedDraft): void {
    try {
      this.journal.record(phoneNumber, port ?? this.supervisor.runner(phoneNumber)?.port ?? null, draft);
    } catch (err) {
      this.logger.error({ phoneNumber, event: draft.event, err }, 'could not record an event');
    }
  }
}
