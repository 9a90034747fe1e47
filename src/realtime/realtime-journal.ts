import type { EventJournal } from '../events/journal.js';
import type { DerivedEvent, FeedMessage } from '../events/feed-message.js';

/** What a socket's `join` answers besides `ok` and the room. */
export interface JoinFigures {
  readonly lastSeq: number;
  readonly replayed: number;
  readonly truncated: boolean;
}

/**
 * Where a joining socket's replay comes from, and how it is put into the live stream: `emit` gets the messages after
 * `since` (at most `limit`, oldest first), then `joinLive` is called in the same synchronous step in which it is
 * known that every later message will be delivered live, so the socket gets each message once, none missed.
 * Single-host mode answers synchronously (the journal stores and publishes in one step); distributed mode reads
 * Postgres and answers with a promise.
 */
export interface RealtimeJournal {
  join(
    phoneNumber: string,
    since: number | undefined,
    limit: number,
    emit: (message: FeedMessage, derived: readonly DerivedEvent[]) => void,
    joinLive: () => void,
  ): JoinFigures | Promise<JoinFigures>;
}

/** Single-host mode: replay from the SQLite journal and join in one synchronous step. */
export function localJournal(journal: EventJournal): RealtimeJournal {
  return {
    join(phoneNumber, since, limit, emit, joinLive) {
      const replay = since === undefined ? null : journal.replay(phoneNumber, since, limit);
      for (const message of replay?.messages ?? []) emit(message, replay?.derived.get(message.seq) ?? []);
      joinLive();
      return { lastSeq: replay?.lastSeq ?? journal.lastSeq(phoneNumber), replayed: replay?.messages.length ?? 0, truncated: replay?.truncated ?? false };
    },
  };
}
