import { GatewayError } from '../domain/errors.js';
import { verifiedHubDigest } from '../lib/hub-signature.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { EventJournal } from './journal.js';
import { fromWebhook, isObject } from './normalize.js';

export interface InboundDeps {
  /** The running child's own webhook secret (its `WHATSAPP_WEBHOOK_SECRET`); null when it is not running. */
  readonly secretFor: (phoneNumber: string) => string | null;
  readonly portFor: (phoneNumber: string) => number | null;
  /**
   * The key a number is known by now: a child that was running when its pending number was bound to its phone
   * (distributed mode) keeps calling the URL named after the pending id.
   */
  readonly keyOf: (key: string) => string;
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
  /** Bodies being stored: a repeat that arrives meanwhile waits for the first (and fails with it). */
  private readonly storing = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: InboundDeps) {}

  /** Resolves once the event is stored (the child must not hear 200 before that), with its sequence number. */
  async accept(key: string, raw: Buffer, signature: string | undefined): Promise<InboundResult> {
    const phoneNumber = this.deps.keyOf(key);
    const secret = this.deps.secretFor(phoneNumber);
    const mac = secret ? verifiedHubDigest(raw, signature, secret) : null;
    if (!mac) {
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
    // The verified HMAC names these exact bytes (keyed with this child's secret): a repeat has the same one.
    const digest = `${phoneNumber}:${mac.toString('base64')}`;
    const first = this.storing.get(digest);
    if (first) {
      await first;
      return { seq: null, duplicate: true };
    }
    if (this.seen(digest, now)) return { seq: null, duplicate: true };
    const stored = this.deps.journal.append(phoneNumber, this.deps.portFor(phoneNumber), fromWebhook(body));
    this.storing.set(digest, stored);
    try {
      const recorded = await stored;
      this.remember(digest, now);
      return { seq: recorded.message.seq, duplicate: false };
    } finally {
      this.storing.delete(digest);
    }
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
