/**
 * What a node does with a call for a number (DM-20), given what it knows: pure, so every case is a unit test.
 *
 * - This node owns the number (owned in memory): serve it, unless the call was forwarded with a fence other than
 *   ours (the caller's view is stale: 421, it re-resolves).
 * - This node is taking the number over (acquiring): 503 with Retry-After, the child is not up yet.
 * - A forwarded call (it carries X-Fence) for a number this node does not own: never forwarded again. Below the hop
 *   limit it is 421 `CLUSTER_NOT_OWNER` (the caller re-resolves and retries); at the limit it is 508
 *   `CLUSTER_HOP_LIMIT`, which the caller passes on. A forwarded call is therefore at most one hop from its caller,
 *   and a caller retries at most once: no loop, whatever the caches say (F-16).
 * - A call from a client: the resolution decides: no row → 404, no live owner (or the owner is us but we do not
 *   hold it yet) → 503 + Retry-After, another node → forward with its fence and hops + 1.
 */

/** Forwarded calls carry at most this many hops: the first forward and one retry after a fresh read. */
export const HOP_LIMIT = 2;

export interface RouteOwner {
  readonly nodeId: string;
  readonly incarnation: string;
  readonly fence: number;
  readonly advertiseUrl: string;
}

export type Resolution = { readonly kind: 'owned'; readonly owner: RouteOwner } | { readonly kind: 'unowned' } | { readonly kind: 'unknown' };

/** This node's own view of the number (its ownership loop's entry), or null. */
export interface LocalHold {
  readonly kind: 'acquiring' | 'owned' | 'releasing';
  readonly fence: number;
}

/** The routing headers of an incoming call: null when absent. */
export interface RouteHeaders {
  readonly fence: number | null;
  readonly hops: number;
}

export type RouteDecision =
  | { readonly kind: 'serve'; readonly fence: number }
  | { readonly kind: 'forward'; readonly owner: RouteOwner; readonly hops: number }
  | { readonly kind: 'refuse'; readonly code: 'CLUSTER_NOT_OWNER' | 'CLUSTER_HOP_LIMIT' | 'CLUSTER_NO_OWNER' | 'CLUSTER_NUMBER_UNKNOWN' };

/** The decision for the part that needs no database: a local hold or a forwarded call. Null: resolve, then `decide`. */
export function decideLocally(hold: LocalHold | null, headers: RouteHeaders): RouteDecision | null {
  if (hold?.kind === 'owned' && (headers.fence === null || headers.fence === hold.fence)) return { kind: 'serve', fence: hold.fence };
  if (headers.fence !== null) return { kind: 'refuse', code: headers.hops >= HOP_LIMIT ? 'CLUSTER_HOP_LIMIT' : 'CLUSTER_NOT_OWNER' };
  // A number being taken over here (or handed over from here) has no running child to serve it.
  if (hold?.kind === 'acquiring' || hold?.kind === 'releasing') return { kind: 'refuse', code: 'CLUSTER_NO_OWNER' };
  return null;
}

/** The decision for a client's call (no X-Fence) this node does not hold, from the owner resolved. */
export function decide(self: { readonly nodeId: string }, hold: LocalHold | null, headers: RouteHeaders, resolution: Resolution): RouteDecision {
  const local = decideLocally(hold, headers);
  if (local) return local;
  if (resolution.kind === 'unknown') return { kind: 'refuse', code: 'CLUSTER_NUMBER_UNKNOWN' };
  if (resolution.kind === 'unowned' || resolution.owner.nodeId === self.nodeId) return { kind: 'refuse', code: 'CLUSTER_NO_OWNER' };
  if (headers.hops >= HOP_LIMIT) return { kind: 'refuse', code: 'CLUSTER_HOP_LIMIT' };
  return { kind: 'forward', owner: resolution.owner, hops: headers.hops + 1 };
}

/** After a forward answered 421 `CLUSTER_NOT_OWNER`: retry with a fresh read while the hop budget lasts. */
export function retryAfterMisdirect(hopsSent: number): boolean {
  return hopsSent < HOP_LIMIT;
}

/** The routing headers of a call, read leniently: a malformed value counts as absent (a client's, not ours). */
export function readRouteHeaders(fence: string | string[] | undefined, hops: string | string[] | undefined): RouteHeaders {
  const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  const f = one(fence);
  const h = one(hops);
  const fenceValue = f !== undefined && /^\d{1,15}$/.test(f) ? Number(f) : null;
  const hopsValue = h !== undefined && /^\d{1,3}$/.test(h) ? Number(h) : 0;
  return { fence: fenceValue, hops: hopsValue };
}
