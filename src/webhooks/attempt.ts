import type { AttemptOutcome } from '../db/ports/deliveries.js';
import type { DeliveryRow } from '../db/schema.js';
import { hubSignature } from '../lib/hub-signature.js';
import type { PostResult } from './post.js';
import { decideRetry, type RetryPolicy } from './retry-policy.js';

/** What an attempt's result means for its row (pure): delivered, failed (to be retried before giving up) or dead. */
export function attemptOutcome(policy: RetryPolicy, row: DeliveryRow, attempts: number, result: PostResult, now: number, random: number): AttemptOutcome {
  if (result.ok) return { status: 'delivered', attempts, lastStatus: result.status, at: now };
  const decision = decideRetry(policy, attempts, now, row.giveUpAt, random);
  if (decision.action === 'retry') return { status: 'failed', attempts, nextAttemptAt: decision.at, lastStatus: result.status, lastError: result.error, at: now };
  return { status: 'dead', attempts, lastStatus: result.status, lastError: result.error ?? 'failed', at: now };
}

/** The headers of one attempt: the stable event id (for the receiver's deduplication), the delivery and attempt, the signature. */
export function deliveryHeaders(row: DeliveryRow, attempt: number, secret: string | null, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': userAgent,
    'x-event-id': row.eventId,
    'x-event-type': row.eventType,
    'x-delivery-id': String(row.id),
    'x-delivery-attempt': String(attempt),
  };
  if (secret) headers['x-hub-signature-256'] = hubSignature(row.body, secret);
  return headers;
}
