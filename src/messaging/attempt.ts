import { backoffDelay } from '../domain/backoff.js';
import type { Mode } from '../db/ports/answer.js';
import type { OutboxStore } from '../db/ports/outbox.js';
import type { MessageRow } from '../db/schema.js';
import type { GowaClient } from '../gowa/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { findSentCopy, sendToChild } from './child-send.js';
import { describeFailure } from './failure.js';
import type { MediaStore } from './media-store.js';
import { classifyFailure } from './retry-policy.js';
import type { OutboxSettings } from './types.js';

export interface AttemptDeps {
  readonly phoneNumber: string;
  /** Either mode's: an attempt awaits the child anyway, so it awaits the store's answers as they come. */
  readonly store: OutboxStore<Mode>;
  readonly media: MediaStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: OutboxSettings;
  /** The number's own backoff while its child is not ready (per number, not per message). */
  readonly waitDelay: () => number;
}

/** What an attempt left behind, for the lane: the row if its status changed, and whether to pause the number. */
export interface AttemptEnd {
  readonly changed?: MessageRow;
  readonly sent?: boolean;
  readonly pause?: string;
}

/**
 * One attempt at one outbox row, every step a conditional update of the row: a row left `sending` by an earlier
 * attempt is first looked for in the child's history; then the row is claimed, sent, and its outcome recorded.
 * `row` is as the lane read it (only the lane moves a pending row; the claim is conditional, so a row expired or
 * failed meanwhile is not sent).
 */
export async function attemptSend(deps: AttemptDeps, client: GowaClient, row: MessageRow): Promise<AttemptEnd> {
  const { store, settings, clock, phoneNumber } = deps;
  const { id } = row;
  if (row.status !== 'queued' && row.status !== 'sending') return {};
  if (row.status === 'sending') {
    let copy: { id: string; at: number } | null;
    try {
      copy = await findSentCopy(client, row, row.updatedAt, (ids) => store.knownWaIds(phoneNumber, ids));
    } catch (err) {
      const reason = `could not check whether an earlier attempt was sent: ${describeFailure(err).message}`;
      await store.keepUnknown(phoneNumber, id, { nextAttemptAt: clock.now() + deps.waitDelay(), error: reason });
      return {};
    }
    if (copy) {
      deps.log.info({ messageId: id, waMessageId: copy.id }, 'an attempt with an unknown outcome had been sent');
      return { changed: await store.markSent(phoneNumber, id, copy.id, copy.at), sent: true };
    }
    if (row.attempts >= settings.maxAttempts) {
      return { changed: await store.markFailed(phoneNumber, id, `gave up after ${row.attempts} attempts: ${row.error ?? 'unknown error'}`, clock.now()) };
    }
  }
  const now = clock.now();
  if (row.expiresAt !== null && row.expiresAt <= now) {
    if (row.status === 'sending') await store.requeue(phoneNumber, id, { nextAttemptAt: null, error: row.error ?? '', uncount: false }, now);
    return { changed: await store.expire(phoneNumber, id, now) };
  }
  // Committed before the child is called: after a crash, a `sending` row is looked for in the child's history
  // rather than sent again.
  const claimed = await store.markSending(phoneNumber, id, now);
  if (!claimed) return {};
  let waMessageId: string;
  try {
    waMessageId = await sendToChild(client, claimed, deps.media, settings.sendTimeoutMs);
  } catch (err) {
    return afterFailure(deps, claimed, err);
  }
  const sentAt = clock.now();
  return { changed: await store.markSent(phoneNumber, id, waMessageId, sentAt), sent: true };
}

async function afterFailure(deps: AttemptDeps, row: MessageRow, err: unknown): Promise<AttemptEnd> {
  const { store, settings, clock, phoneNumber } = deps;
  const outcome = classifyFailure(describeFailure(err));
  const now = clock.now();
  const backoff = now + backoffDelay(settings.retry, row.attempts, clock.random());
  deps.log.info({ messageId: row.id, attempts: row.attempts, action: outcome.action, reason: outcome.reason }, 'send attempt failed');
  switch (outcome.action) {
    case 'fail':
      return { changed: await store.markFailed(phoneNumber, row.id, outcome.reason, now) };
    case 'pause':
      await store.requeue(phoneNumber, row.id, { nextAttemptAt: null, error: outcome.reason, uncount: true }, now);
      return { pause: outcome.reason };
    case 'wait':
      await store.requeue(phoneNumber, row.id, { nextAttemptAt: now + deps.waitDelay(), error: outcome.reason, uncount: true }, now);
      return {};
    case 'retry':
      if (row.attempts >= settings.maxAttempts) return { changed: await store.markFailed(phoneNumber, row.id, `gave up after ${row.attempts} attempts: ${outcome.reason}`, now) };
      await store.requeue(phoneNumber, row.id, { nextAttemptAt: backoff, error: outcome.reason, uncount: false }, now);
      return {};
    case 'verify':
      // The child may still be sending it: look once it must have finished (sooner if the process is replaced).
      await store.keepUnknown(phoneNumber, row.id, { nextAttemptAt: Math.max(backoff, row.updatedAt + settings.verifyDelayMs), error: outcome.reason });
      return {};
  }
}
