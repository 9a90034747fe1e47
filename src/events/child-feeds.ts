import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import type { SupervisorEvents } from '../supervisor/types.js';
import { ChildFeed } from './child-feed.js';
import type { ChildFeedEvents } from './child-feed-events.js';

/** Keeps exactly one feed per running child: opened when the child is ready, closed when it exits. */
export class ChildFeeds {
  private readonly emitter: TypedEmitter<ChildFeedEvents>;
  readonly events: Listenable<ChildFeedEvents>;
  private readonly feeds = new Map<string, ChildFeed>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    supervisor: Listenable<SupervisorEvents>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly pingIntervalMs?: number,
  ) {
    this.emitter = new TypedEmitter((err, event) => logger.error({ err, event }, 'a child feed listener failed'));
    this.events = this.emitter.view;
    this.unsubscribe.push(
      supervisor.on('ready', ({ phoneNumber, client }) => {
        this.feeds.get(phoneNumber)?.close();
        const feed = new ChildFeed(phoneNumber, client, this.emitter, this.clock, this.logger, this.pingIntervalMs);
        this.feeds.set(phoneNumber, feed);
        feed.open();
      }),
      // Close our side before the child is signalled: an open WebSocket can hold up its graceful shutdown.
      supervisor.on('state', ({ phoneNumber, to }) => {
        if (to === 'stopping') this.drop(phoneNumber);
      }),
      supervisor.on('exited', ({ phoneNumber }) => this.drop(phoneNumber)),
      // A bind that kept its child (distributed mode): the feed is opened again under the phone by the 'ready' after.
      supervisor.on('bound', ({ pendingId }) => this.drop(pendingId)),
    );
  }

  private drop(phoneNumber: string): void {
    this.feeds.get(phoneNumber)?.close();
    this.feeds.delete(phoneNumber);
  }

  isConnected(phoneNumber: string): boolean {
    return this.feeds.has(phoneNumber);
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    for (const feed of this.feeds.values()) feed.close();
    this.feeds.clear();
  }
}
