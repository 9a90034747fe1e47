/** Distributed mode's errors: a stable code, a message fit for an operator (never a password), the cause. */
export const CLUSTER_ERROR_CODES = [
  /** DATABASE_URL's server cannot be reached (refused, unknown host, timeout). */
  'CLUSTER_DB_UNREACHABLE',
  /** The server answered but refused us: wrong password, unknown role or database, no permission. */
  'CLUSTER_DB_REFUSED',
  /** Distributed mode needs the binary's version (`<WHATSAPP_BINARY>.version`, written by scripts/install-binary.sh). */
  'CLUSTER_BINARY_VERSION_UNKNOWN',
  /** Another live process holds this NODE_ID. */
  'CLUSTER_NODE_ID_IN_USE',
  /** A fenced write found that this node no longer owns the number (its fence moved on, or its lease lapsed). */
  'CLUSTER_OWNERSHIP_LOST',
  /** Routing (DM-20): the number is not under the cluster's ownership at all. */
  'CLUSTER_NUMBER_UNKNOWN',
  /** Routing: no live node owns the number right now (its owner died, or is still taking it over); retry soon. */
  'CLUSTER_NO_OWNER',
  /** Routing: a forwarded call reached a node that does not own the number at the fence the caller resolved. */
  'CLUSTER_NOT_OWNER',
  /** Routing: the call was forwarded as often as allowed and still found no owner (ownership is moving). */
  'CLUSTER_HOP_LIMIT',
  /** Routing: the owner's advertise URL refused or reset the connection. */
  'CLUSTER_OWNER_UNREACHABLE',
  /** Routing: the owner did not answer within the forwarding timeout. */
  'CLUSTER_OWNER_TIMEOUT',
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
  binaryVersionUnknown: (file: string) =>
    new ClusterError(
      'CLUSTER_BINARY_VERSION_UNKNOWN',
      `distributed mode needs the WhatsApp binary's version, read from ${file}: install the binary with scripts/install-binary.sh, which writes it`,
      { file },
    ),
  ownershipLost: (phoneNumber: string, fence: number) =>
    new ClusterError('CLUSTER_OWNERSHIP_LOST', `this node no longer owns ${phoneNumber} (fence ${fence} is stale)`, { phoneNumber, fence }),
  journalUnavailable: (phoneNumber: string, why: string, cause: unknown) =>
    new ClusterError('CLUSTER_DB_UNREACHABLE', `an event of ${phoneNumber} could not be journaled: ${why}`, { phoneNumber }, { cause }),
  numberUnknown: (phoneNumber: string) => new ClusterError('CLUSTER_NUMBER_UNKNOWN', `${phoneNumber} is not a number of this cluster`, { phoneNumber }),
  noOwner: (phoneNumber: string, retryAfterSeconds: number) =>
    new ClusterError('CLUSTER_NO_OWNER', `no live node owns ${phoneNumber} right now; retry in ${retryAfterSeconds} s`, { phoneNumber, retryAfterSeconds }),
  notOwner: (phoneNumber: string, nodeId: string, fence: number | null) =>
    new ClusterError('CLUSTER_NOT_OWNER', `node ${nodeId} does not own ${phoneNumber} at fence ${fence ?? '(none)'}; resolve the owner again`, { phoneNumber, node: nodeId, fence }),
  hopLimit: (phoneNumber: string, hops: number, retryAfterSeconds: number) =>
    new ClusterError('CLUSTER_HOP_LIMIT', `${phoneNumber} was forwarded ${hops} times without reaching its owner; its ownership is moving, retry in ${retryAfterSeconds} s`, { phoneNumber, hops, retryAfterSeconds }),
  ownerUnreachable: (phoneNumber: string, nodeId: string, cause: unknown) =>
    new ClusterError('CLUSTER_OWNER_UNREACHABLE', `the owner of ${phoneNumber} (node ${nodeId}) cannot be reached`, { phoneNumber, node: nodeId }, { cause }),
  ownerTimeout: (phoneNumber: string, nodeId: string, timeoutMs: number) =>
    new ClusterError('CLUSTER_OWNER_TIMEOUT', `the owner of ${phoneNumber} (node ${nodeId}) did not answer within ${timeoutMs} ms`, { phoneNumber, node: nodeId, timeoutMs }),
} as const;
