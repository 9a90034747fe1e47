import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter } from '../lib/typed-emitter.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { ChildFeed } from './child-feed.js';
import type { ChildFeedEvents } from './types.js';

/** Keeps exactly one feed per running child: opened when the child is ready, closed when it exits. */
export class ChildFeeds {
  readonly events = new TypedEmitter<ChildFeedEvents>();
  private readonly feeds = new Map<string, ChildFeed>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    supervisor: Supervisor,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly pingIntervalMs?: number,
  ) {
    this.unsubscribe.push(
      supervisor.events.on('ready', ({ phoneNumber, client }) => {
        this.feeds.get(phoneNumber)?.close();
        const feed = new ChildFeed(phoneNumber, client, this.events, this.clock, this.logger, this.pingIntervalMs);
        this.feeds.set(phoneNumber, feed);
        feed.open();
      }),
      // Close our side before the child is signalled: an open WebSocket can hold up its graceful shutdown.
      supervisor.events.on('state', ({ phoneNumber, to }) => {
        if (to === 'stopping') this.drop(phoneNumber);
      }),
      supervisor.events.on('exited', ({ phoneNumber }) => this.drop(phoneNumber)),
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
