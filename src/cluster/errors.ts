/** Distributed mode's errors: a stable code, a message fit for an operator (never a password), the cause. */
export const CLUSTER_ERROR_CODES = [
  /** DATABASE_URL's server cannot be reached (refused, unknown host, timeout). */
  'CLUSTER_DB_UNREACHABLE',
  /** The server answered but refused us: wrong password, unknown role or database, no permission. */
  'CLUSTER_DB_REFUSED',
  /** Another live process holds this NODE_ID. */
  'CLUSTER_NODE_ID_IN_USE',
  /** A fenced write found that this node no longer owns the number (its fence moved on, or its lease lapsed). */
  'CLUSTER_OWNERSHIP_LOST',
] as const;
export type ClusterErrorCode = (typeof CLUSTER_ERROR_CODES)[number];

export class ClusterError extends Error {
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ClusterError';
  }
}

export function isClusterError(err: unknown, code?: ClusterErrorCode): err is ClusterError {
  return err instanceof ClusterError && (code === undefined || err.code === code);
}

/** Each error worded once. */
export const clusterErrors = {
  nodeIdInUse: (nodeId: string, expiresInMs: number) =>
    new ClusterError(
      'CLUSTER_NODE_ID_IN_USE',
      `NODE_ID ${nodeId} is held by another live process (its lease runs ${Math.max(0, expiresInMs / 1000).toFixed(1)} s more); give this node its own NODE_ID, or start it again once the other has stopped`,
      { nodeId, expiresInMs },
    ),
  ownershipLost: (phoneNumber: string, fence: number) =>
    new ClusterError('CLUSTER_OWNERSHIP_LOST', `this node no longer owns ${phoneNumber} (fence ${fence} is stale)`, { phoneNumber, fence }),
  journalUnavailable: (phoneNumber: string, why: string, cause: unknown) =>
    new ClusterError('CLUSTER_DB_UNREACHABLE', `an event of ${phoneNumber} could not be journaled: ${why}`, { phoneNumber }, { cause }),
} as const;
