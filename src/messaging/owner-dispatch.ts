import type { Mode } from '../db/ports/answer.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { Outbox } from './outbox.js';
import type { DispatchGate } from './types.js';

interface Moved {
  readonly phoneNumber: string;
}

/** What dispatch by the owner needs of the ownership core (src/cluster/ownership.ts satisfies it as it is). */
export interface OwnershipSource {
  held(): ReadonlyMap<string, { readonly kind: string }>;
  readonly events: Listenable<{ acquired: Moved; lost: Moved; released: Moved }>;
}

/**
 * DM-21: this node sends a number's messages only while it owns the number outright. While it is being taken over
 * (`acquiring`) or handed over (`releasing`) nothing new starts; an attempt under way during a hand-over finishes
 * under the fence it started with.
 */
export function ownerGate(ownership: OwnershipSource): DispatchGate {
  return { owns: (phoneNumber) => ownership.held().get(phoneNumber)?.kind === 'owned' };
}

/** The outbox follows the numbers' moves: a number's queue starts when it is acquired and stops when it goes. */
export function followOwnership(outbox: Pick<Outbox<Mode>, 'acquired' | 'lost'>, ownership: OwnershipSource): () => void {
  const offs = [
    ownership.events.on('acquired', ({ phoneNumber }) => outbox.acquired(phoneNumber)),
    ownership.events.on('lost', ({ phoneNumber }) => outbox.lost(phoneNumber)),
    ownership.events.on('released', ({ phoneNumber }) => outbox.lost(phoneNumber)),
  ];
  return () => offs.forEach((off) => off());
}
