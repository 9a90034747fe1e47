import { clusterErrors, type ClusterError } from '../errors.js';
import type { RouteDecision } from './rules.js';

export interface RefusalContext {
  readonly nodeId: string;
  /** Retry-After of a 503 while nobody owns the number, and of a 508. */
  readonly retryAfterSeconds: number;
}

/** The coded error of a refused routing decision: the same for a plain call and for a WebSocket upgrade. */
export function refusalError(context: RefusalContext, phoneNumber: string, decision: Extract<RouteDecision, { kind: 'refuse' }>, hops: number, fence: number | null): ClusterError {
  switch (decision.code) {
    case 'CLUSTER_NUMBER_UNKNOWN':
      return clusterErrors.numberUnknown(phoneNumber);
    case 'CLUSTER_NO_OWNER':
      return clusterErrors.noOwner(phoneNumber, context.retryAfterSeconds);
    case 'CLUSTER_NOT_OWNER':
      return clusterErrors.notOwner(phoneNumber, context.nodeId, fence);
    case 'CLUSTER_HOP_LIMIT':
      return clusterErrors.hopLimit(phoneNumber, hops, context.retryAfterSeconds);
  }
}

/** The error code of a refusal's JSON body (`{ error: { code } }`) as another node answered it, or null. */
export function errorCodeOf(body: Buffer): string | null {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string' ? parsed.error.code : null;
  } catch {
    return null;
  }
}
