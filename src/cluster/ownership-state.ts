import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';

/** Why this node stopped owning a number it held. */
export type LossReason = 'fenced' | 'taken' | 'write-refused' | 'stopped';
/** Why this node handed a number over. */
export type ReleaseReason = 'drain' | 'rebalance' | 'abandoned';
/**
 * How this node came to hold a number: the claim's reason as the database gave it (`released`: handed over by its
 * owner, whose child has already exited; `expired`/`orphaned`: its owner died; `new`: never owned), or `held`: a
 * row that was this node's already (re-asserted after an outage, or kept when a hand-over could not be done). The
 * node agent starts `released` numbers at once and the rest bounded, with jitter.
 */
export type ClaimReason = 'new' | 'released' | 'expired' | 'orphaned' | 'held';

/** What this node believes about one number; the database row is the truth, checked every claim tick. */
export type NumberOwnership =
  /** Claimed in the database; being taken over (store fence, config) before the child may start. */
  | { readonly kind: 'acquiring'; readonly fence: number; readonly incarnation: string; readonly claim: ClaimReason }
  | { readonly kind: 'owned'; readonly fence: number; readonly incarnation: string; readonly claim: ClaimReason }
  /** Being handed over: the child is stopped first, then the row is released with a fence check. */
  | { readonly kind: 'releasing'; readonly fence: number; readonly incarnation: string; readonly reason: ReleaseReason };

/** The end of an entry: it leaves the book. */
export type OwnershipEnd = { readonly kind: 'released'; readonly reason: ReleaseReason } | { readonly kind: 'lost'; readonly reason: LossReason };

type Kind = NumberOwnership['kind'] | OwnershipEnd['kind'];
const NEXT: Record<Kind | 'none', readonly Kind[]> = {
  none: ['acquiring'],
  acquiring: ['owned', 'releasing', 'lost'],
  owned: ['releasing', 'lost'],
  // Back to owned when the hand-over could not be done (the child would not stop, the database was away).
  releasing: ['released', 'owned', 'lost'],
  released: [],
  lost: [],
};

export type OwnershipEvents = {
  changed: { readonly phoneNumber: string; readonly from: Kind | 'none'; readonly to: Kind; readonly fence: number };
  /** Taken over: the owner may start the number's child now. */
  acquired: { readonly phoneNumber: string; readonly fence: number; readonly claim: ClaimReason };
  /** No longer ours, without a hand-over: kill the child at once and write nothing more about it. */
  lost: { readonly phoneNumber: string; readonly fence: number; readonly reason: LossReason };
  released: { readonly phoneNumber: string; readonly fence: number; readonly reason: ReleaseReason };
  /** A pending number was bound to its phone: the same claim, fence and child, now known by `to`. */
  renamed: { readonly from: string; readonly to: string; readonly fence: number };
};

export class IllegalOwnershipTransition extends Error {
  constructor(phoneNumber: string, from: string, to: string) {
    super(`ownership of ${phoneNumber} cannot go from ${from} to ${to}`);
    this.name = 'IllegalOwnershipTransition';
  }
}

/** The numbers this node holds, with one transition point that announces every change. */
export class OwnershipBook {
  private readonly entries = new Map<string, NumberOwnership>();
  private readonly emitter: TypedEmitter<OwnershipEvents>;
  readonly events: Listenable<OwnershipEvents>;

  constructor(onListenerError?: (err: unknown, event: string) => void) {
    this.emitter = new TypedEmitter(onListenerError);
    this.events = this.emitter.view;
  }

  get(phoneNumber: string): NumberOwnership | undefined {
    return this.entries.get(phoneNumber);
  }

  all(): ReadonlyMap<string, NumberOwnership> {
    return this.entries;
  }

  /** Numbers that count as held: everything in the book. */
  size(): number {
    return this.entries.size;
  }

  transition(phoneNumber: string, next: NumberOwnership | OwnershipEnd): void {
    const current = this.entries.get(phoneNumber);
    const from = current?.kind ?? 'none';
    if (!NEXT[from].includes(next.kind)) throw new IllegalOwnershipTransition(phoneNumber, from, next.kind);
    const fence = 'fence' in next ? next.fence : (current?.fence ?? 0);
    if (next.kind === 'released' || next.kind === 'lost') this.entries.delete(phoneNumber);
    else this.entries.set(phoneNumber, next);
    this.emitter.emit('changed', { phoneNumber, from, to: next.kind, fence });
    if (next.kind === 'owned') this.emitter.emit('acquired', { phoneNumber, fence, claim: next.claim });
    else if (next.kind === 'lost') this.emitter.emit('lost', { phoneNumber, fence, reason: next.reason });
    else if (next.kind === 'released') this.emitter.emit('released', { phoneNumber, fence, reason: next.reason });
  }

  /**
   * The number's row moved from `from` to `to` under its fence (a bind): the entry follows with what it holds. Only
   * an owned number moves; one being taken over or handed over has no child that could have paired.
   */
  rename(from: string, to: string): void {
    const entry = this.entries.get(from);
    if (entry?.kind !== 'owned' || this.entries.has(to)) throw new IllegalOwnershipTransition(from, entry?.kind ?? 'none', `renamed to ${to}`);
    this.entries.delete(from);
    this.entries.set(to, entry);
    this.emitter.emit('renamed', { from, to, fence: entry.fence });
  }
}
