import type { LaneKey } from '../db/ports/deliveries.js';
import type { DeliveryRow } from '../db/schema.js';

/** One ordered queue: a number's deliveries to one endpoint. */
export interface Lane {
  /** Both change when the lane's number is renamed (a pending number bound to its phone), even mid-attempt. */
  key: string;
  lane: LaneKey;
  busy: boolean;
  /** Its next rows are being claimed (read) from the table. */
  reading: boolean;
  /** Something changed while they were read: the answer may be out of date, so it is read again. */
  stale: boolean;
  /** Holds one of its endpoint's slots for the claim under way and the attempt after it. */
  slot: boolean;
  /** Waiting for a free slot of its endpoint. */
  queued: boolean;
  timer: NodeJS.Timeout | null;
  /**
   * The lane's next rows, oldest first (the first is the head), read in one query or handed over by the outbox
   * as it writes them. New rows only ever come after them (ids grow); a replay or a failure (the head waits for
   * its retry) empties it, so it is read again.
   */
  ahead: DeliveryRow[];
  /** `ahead` holds every open row of the lane: new rows can join it without a query, and empty means done. */
  complete: boolean;
}

/** Rows of a lane read at once: a busy lane pays one query per this many deliveries instead of one per delivery. */
export const READ_AHEAD = 16;
/** Most rows a lane keeps in memory (a lane far behind its receiver reads the rest from the table). */
export const AHEAD_MAX = 64;

export const laneKey = (l: LaneKey) => `${l.scope}\u0000${l.endpoint}\u0000${l.phoneNumber}`;

export function newLane(key: string, lane: LaneKey, complete: boolean): Lane {
  return { key, lane, busy: false, slot: false, reading: false, stale: false, queued: false, timer: null, ahead: [], complete };
}

/** What the lane holds in memory may be out of date: read it from the table next time (also a read under way). */
export function reread(state: Lane): void {
  state.ahead = [];
  state.complete = false;
  if (state.reading) state.stale = true;
}

/** The head is done with (delivered or dead): the next row read ahead becomes the head, unless the list changed meanwhile. */
export function advance(state: Lane, row: DeliveryRow): void {
  if (state.ahead[0]?.id === row.id) state.ahead.shift();
}
