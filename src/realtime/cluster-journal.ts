import type pg from 'pg';
import { storedEvent, type JournalEvents } from '../events/journal.js';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import type { JoinFigures, RealtimeJournal } from './realtime-journal.js';
import { JournalFanout, type FanoutSettings } from '../cluster/journal/fanout.js';
import { pageJournal, replayJournal } from '../cluster/journal/resume.js';

export interface SocketFeedDeps {
  readonly pool: pg.Pool;
  /** A connection of its own for LISTEN `journal`. */
  readonly listen: () => Promise<pg.Client>;
  /** The numbers whose journals this node follows: every number it knows of (its sockets may see any of them). */
  readonly numbers: () => readonly string[];
  /** How often the list of numbers is read again (a number registered on another node is followed from then on). */
  readonly syncMs: number;
  readonly fanout?: Partial<FanoutSettings>;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * Socket.IO in distributed mode (DM-22, F-13): the journal rows of every number, whichever node appended them, are
 * published to this node's sockets (`events`, as the single-host journal's `recorded`), and a socket resuming on
 * any node is replayed from Postgres and put into the live stream without a gap or a repeat.
 */
export class ClusterSocketFeed implements RealtimeJournal {
  private readonly fanout: JournalFanout;
  private readonly emitter: TypedEmitter<JournalEvents>;
  readonly events: Listenable<JournalEvents>;
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | null = null;
  private readonly following = new Set<string>();

  constructor(private readonly deps: SocketFeedDeps) {
    this.clock = deps.clock ?? systemClock;
    this.emitter = new TypedEmitter((err) => deps.logger?.error({ err }, 'a listener of the cluster journal failed'));
    this.events = this.emitter.view;
    this.fanout = new JournalFanout({
      pool: deps.pool,
      listen: deps.listen,
      deliver: (entry) => this.emitter.emit('recorded', storedEvent(entry.phoneNumber, entry.seq, entry.payload)),
      ...(deps.fanout ? { settings: deps.fanout } : {}),
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
  }

  async start(): Promise<void> {
    await this.fanout.start();
    await this.sync();
  }

  async close(): Promise<void> {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.fanout.stop();
  }

  /**
   * Replay up to where the live stream stands, then read what it delivered meanwhile, until nothing is left between
   * the two: the socket joins its room in that synchronous step.
   */
  async join(phoneNumber: string, since: number | undefined, limit: number, emit: Parameters<RealtimeJournal['join']>[3], joinLive: () => void): Promise<JoinFigures> {
    const live = await this.follow(phoneNumber);
    if (since === undefined) {
      joinLive();
      return { lastSeq: this.fanout.position(phoneNumber) ?? live, replayed: 0, truncated: false };
    }
    const upTo = this.fanout.position(phoneNumber) ?? live;
    const first = await replayJournal(this.deps.pool, phoneNumber, since, limit, upTo);
    let replayed = 0;
    const send = (seq: number, payload: Record<string, unknown>): void => {
      const event = storedEvent(phoneNumber, seq, payload);
      emit(event.message, event.derived);
      replayed += 1;
    };
    for (const entry of first.entries) send(entry.seq, entry.payload);
    // The replay ended at the live stream's position then (or at the newest row, if that was older).
    let covered = Math.max(since, Math.min(first.lastSeq, upTo));
    for (;;) {
      const position = this.fanout.position(phoneNumber) ?? covered;
      if (position <= covered) {
        joinLive();
        return { lastSeq: covered, replayed, truncated: first.truncated };
      }
      for (const entry of await pageJournal(this.deps.pool, phoneNumber, covered, position - covered)) if (entry.seq <= position) send(entry.seq, entry.payload);
      covered = position;
    }
  }

  private follow(phoneNumber: string): Promise<number> {
    this.following.add(phoneNumber);
    return this.fanout.follow(phoneNumber);
  }

  /** Follow the numbers this node knows of now; forget those gone (an unregistered number starts again at seq 1). */
  private async sync(): Promise<void> {
    const numbers = new Set(this.deps.numbers());
    for (const phoneNumber of this.following) {
      if (numbers.has(phoneNumber)) continue;
      this.fanout.unfollow(phoneNumber);
      this.following.delete(phoneNumber);
    }
    try {
      await Promise.all([...numbers].map((n) => this.follow(n)));
    } catch (err) {
      this.deps.logger?.warn({ code: (err as { code?: string }).code }, 'cluster: could not follow the journals; trying again');
    }
    this.timer = this.clock.setTimeout(() => void this.sync(), this.deps.syncMs);
    this.timer.unref?.();
  }
}
