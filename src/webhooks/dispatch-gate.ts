import type { Listenable } from '../lib/typed-emitter.js';

/**
 * Which numbers' deliveries this node sends (DM-23: only a number's owner sends them, so they stay in order per
 * number). The dispatcher asks before it claims a lane and before each attempt; the claims and acks themselves are
 * refused by the ledger's fence check when the answer here was already out of date.
 */
export interface DispatchGate {
  /** Whether this node sends the number's deliveries now. */
  owns(phoneNumber: string): boolean;
  /**
   * Whether every delivery row is written by this process (one host): then rows handed over after their commit are
   * all that is new in a lane, and a lane never read yet has no rows but those. Otherwise a lane reads the table
   * each time it is handed rows, since another node may have written rows before them.
   */
  readonly soleWriter: boolean;
  /** How often every open lane is looked up in the table, for rows written or replayed on other nodes (0: never). */
  readonly pollMs: number;
}

/** One host: every number is this gateway's, and nothing else writes its table. */
export const singleHostGate: DispatchGate = { owns: () => true, soleWriter: true, pollMs: 0 };

/** What the gate needs of the ownership core (src/cluster/ownership.ts satisfies it as it is). */
export interface NumberHolds {
  held(): ReadonlyMap<string, { readonly kind: string }>;
  readonly events: Listenable<{
    acquired: { readonly phoneNumber: string };
    lost: { readonly phoneNumber: string };
    released: { readonly phoneNumber: string };
  }>;
}

/**
 * Distributed mode: a number's deliveries are sent while this node owns it (taken over, not being handed over) and
 * its lease is still good by its own monotonic clock (`live`: the membership's `isLive`). The node stops at
 * TTL − margin, before any other node may claim its numbers (TTL + grace), so a paused or cut-off owner does not
 * post from what it read ahead while a new owner starts; the ledger's fence refuses whatever it still tries.
 */
export function ownershipGate(holds: Pick<NumberHolds, 'held'>, pollMs: number, live: () => boolean = () => true): DispatchGate {
  return { owns: (phoneNumber) => holds.held().get(phoneNumber)?.kind === 'owned' && live(), soleWriter: false, pollMs };
}

/** What follows the ownership core: the webhook service's `acquired` and `lost`. */
export interface OwnershipFollower {
  acquired(phoneNumber: string): void;
  lost(phoneNumber: string): void;
}

/** Taken over: resume the number's lanes from the table; lost or handed over: stop sending them. Returns `off`. */
export function followOwnership(holds: Pick<NumberHolds, 'events'>, follower: OwnershipFollower): () => void {
  const offs = [
    holds.events.on('acquired', ({ phoneNumber }) => follower.acquired(phoneNumber)),
    holds.events.on('lost', ({ phoneNumber }) => follower.lost(phoneNumber)),
    holds.events.on('released', ({ phoneNumber }) => follower.lost(phoneNumber)),
  ];
  return () => {
    for (const off of offs) off();
  };
}
