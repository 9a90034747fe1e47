import type { Logger } from '../lib/logger.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { SupervisorEvents } from '../supervisor/types.js';
import type { JournalEvents } from '../events/journal.js';
import type { RealtimeServer } from './socket-server.js';
import type { ChildFeedEvents } from '../events/child-feed-events.js';

export interface BridgeSources {
  readonly journal: Listenable<JournalEvents>;
  readonly feeds: Listenable<ChildFeedEvents>;
  readonly supervisor: Listenable<SupervisorEvents>;
}

/** Connects the gateway's event streams to Socket.IO; returns the function that disconnects them. */
export function bridgeToSockets(server: RealtimeServer, sources: BridgeSources, logger: Logger): () => void {
  // Publishing must never throw into the component that emitted (the supervisor, a feed, the receiver).
  const safe =
    <T>(what: string, fn: (payload: T) => void) =>
    (payload: T): void => {
      try {
        fn(payload);
      } catch (err) {
        logger.error({ err, what }, 'socket.io publish failed');
      }
    };
  const offs = [
    sources.journal.on('recorded', safe('message', (event) => server.publish(event))),
    sources.feeds.on(
      'feed-open',
      safe('feed-open', ({ phoneNumber, port }) => server.emitGlobal(phoneNumber, 'container-websocket-connected', { phoneNumber, port })),
    ),
    sources.feeds.on(
      'feed-closed',
      safe('feed-closed', ({ phoneNumber, port, code }) => server.emitGlobal(phoneNumber, 'container-websocket-closed', { phoneNumber, port, code })),
    ),
    sources.supervisor.on(
      'exited',
      safe('exited', ({ phoneNumber, port, code, signal, expected, willRestart }) => {
        if (!expected) server.emitGlobal(phoneNumber, 'process-stopped', { phoneNumber, port, code, signal, willRestart });
      }),
    ),
  ];
  return () => {
    for (const off of offs) off();
  };
}
