import crypto from 'node:crypto';
import { GatewayError } from '../domain/errors.js';
import { verifyHubSignature } from '../lib/hub-signature.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { EventJournal } from './journal.js';
import { fromWebhook, isObject } from './normalize.js';

export interface InboundDeps {
  /** The running child's own webhook secret (its `WHATSAPP_WEBHOOK_SECRET`); null when it is not running. */
  readonly secretFor: (phoneNumber: string) => string | null;
  readonly portFor: (phoneNumber: string) => number | null;
  readonly journal: EventJournal;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface InboundResult {
  /** Sequence number the event got; null for a repeat of one already taken. */
  readonly seq: number | null;
  readonly duplicate: boolean;
}

/** The binary retries a webhook it got no 2xx for within ~30 s (docs/binary-contract.md §10); remember bodies a bit longer. */
const DEDUPE_WINDOW_MS = 5 * 60_000;
const DEDUPE_MAX = 20_000;

/**
 * Webhooks from the children (docs/binary-contract.md §10): verified against that child's own secret, then
 * journaled (numbered, stored with whatever must be written with it, published). A child re-sends the exact
 * same bytes when it missed our answer; those repeats are acknowledged, not stored.
 */
export class InboundWebhooks {
  private readonly recent = new Map<string, number>();

  constructor(private readonly deps: InboundDeps) {}

  accept(phoneNumber: string, raw: Buffer, signature: string | undefined): InboundResult {
    const secret = this.deps.secretFor(phoneNumber);
    if (!secret || !verifyHubSignature(raw, signature, secret)) {
      this.deps.logger.warn({ phoneNumber, signed: signature !== undefined }, 'webhook refused: bad or missing signature');
      throw new GatewayError('UNAUTHORIZED', 'missing or invalid X-Hub-Signature-256');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new GatewayError('VALIDATION_FAILED', 'webhook body is not JSON');
    }
    if (!isObject(body) || typeof body['event'] !== 'string') throw new GatewayError('VALIDATION_FAILED', 'webhook body has no event');

    const now = this.deps.clock.now();
    const digest = `${phoneNumber}:${crypto.createHash('sha256').update(raw).digest('hex')}`;
    if (this.seen(digest, now)) return { seq: null, duplicate: true };
    const recorded = this.deps.journal.record(phoneNumber, this.deps.portFor(phoneNumber), fromWebhook(body));
    this.remember(digest, now);
    return { seq: recorded.message.seq, duplicate: false };
  }

  private seen(digest: string, now: number): boolean {
    const at = this.recent.get(digest);
    return at !== undefined && now - at < DEDUPE_WINDOW_MS;
  }

  private remember(digest: string, now: number): void {
    this.recent.set(digest, now);
    // Oldest first (insertion order): drop what is out of the window, and never hold more than the cap.
    for (const [key, at] of this.recent) {
      if (this.recent.size <= DEDUPE_MAX && now - at < DEDUPE_WINDOW_MS) break;
      this.recent.delete(key);
    }
  }
}
