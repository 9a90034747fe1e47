/**
 * Webhook delivery as the binary does it (docs/binary-contract.md §10): the v8+ envelope serialised like Go,
 * signed with HMAC-SHA256 over the exact body bytes, POSTed to each URL in turn; a non-2xx answer or a network
 * error is retried up to 5 attempts with 1, 2, 4, 8 s pauses, 10 s per attempt and 30 s in all per event. Each
 * event is delivered on its own (the binary uses a goroutine per event), so order is not guaranteed.
 */
import { createHmac } from 'node:crypto';
import type { WebhookSettings } from '../config/config.js';
import { splitList } from '../cli/parse-args.js';
import type { Slot } from '../core/slot.js';
import type { Logger } from '../lib/logger.js';
import { goJson } from '../lib/go-json.js';
import { rfc3339 } from '../lib/go-time.js';
import { postOnce } from './post.js';

const MAX_ATTEMPTS = 5;
const ATTEMPT_TIMEOUT_MS = 10_000;
const EVENT_DEADLINE_MS = 30_000;

/** The message family carries its time inside the payload; every other event gets a top-level timestamp. */
const MESSAGE_FAMILY = new Set(['message', 'message.reaction', 'message.revoked', 'message.edited', 'message.deleted']);

interface Target {
  readonly urls: readonly string[];
  readonly secret: string;
  readonly events: readonly string[];
  readonly insecureSkipVerify: boolean;
}

export class WebhookDispatcher {
  constructor(
    private readonly settings: WebhookSettings,
    private readonly logger: Logger,
    /** While the process is "hung" nothing leaves it. */
    private readonly frozen: () => boolean,
  ) {}

  emit(slot: Slot, event: string, payload: Record<string, unknown>): void {
    const target = this.targetFor(slot);
    if (target.urls.length === 0 || this.frozen()) return;
    if (target.events.length > 0 && !target.events.includes(event.toLowerCase())) return;
    if (this.ignored(payload)) return;
    const envelope = {
      event,
      device_id: slot.record.jid,
      session_id: slot.id,
      payload,
      timestamp: MESSAGE_FAMILY.has(event) ? undefined : rfc3339(new Date()),
    };
    const body = Buffer.from(goJson(envelope), 'utf8');
    const signature = createHmac('sha256', target.secret).update(body).digest('hex');
    const headers = {
      'Content-Type': 'application/json',
      'X-Hub-Signature-256': `sha256=${signature}`,
      'User-Agent': 'Go-http-client/1.1',
    };
    void this.deliver(target, body, headers, event);
  }

  /** A per-device webhook (PATCH /devices/{id}/webhook) replaces the global URLs, secret and filter. */
  private targetFor(slot: Slot): Target {
    const own = slot.record.webhook;
    if (own.url === '') return this.settings;
    return {
      urls: splitList(own.url).filter((url) => url !== ''),
      // Assumption (unconfirmed): an empty per-device secret falls back to the global one.
      secret: own.secret || this.settings.secret,
      events: splitList(own.events).filter((e) => e !== '').map((e) => e.toLowerCase()),
      insecureSkipVerify: own.insecureSkipVerify,
    };
  }

  /** WHATSAPP_WEBHOOK_IGNORE_JIDS: exact JIDs or `@server` wildcards, checked against the chat and sender. */
  private ignored(payload: Record<string, unknown>): boolean {
    const { ignoreJids } = this.settings;
    if (ignoreJids.length === 0) return false;
    const jids = ['chat_id', 'from', 'chat_lid', 'from_lid'].map((key) => payload[key]).filter((v): v is string => typeof v === 'string');
    return jids.some((jid) => ignoreJids.some((rule) => (rule.startsWith('@') ? jid.endsWith(rule) : jid === rule)));
  }

  private async deliver(target: Target, body: Buffer, headers: Record<string, string>, event: string): Promise<void> {
    const deadline = Date.now() + EVENT_DEADLINE_MS;
    for (const url of target.urls) {
      await this.deliverOne(url, target, body, headers, event, deadline);
    }
  }

  private async deliverOne(url: string, target: Target, body: Buffer, headers: Record<string, string>, event: string, deadline: number): Promise<void> {
    let lastError = '';
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.frozen()) break;
      try {
        const status = await postOnce(url, body, { headers, timeoutMs: Math.min(ATTEMPT_TIMEOUT_MS, remaining), insecureSkipVerify: target.insecureSkipVerify });
        if (status >= 200 && status < 300) return;
        lastError = `webhook returned status ${status}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
      const pause = 1000 * 2 ** (attempt - 1);
      if (attempt === MAX_ATTEMPTS || Date.now() + pause >= deadline) break;
      this.logger.warn(`webhook ${event} to ${url} failed (attempt ${attempt}/${MAX_ATTEMPTS}): ${lastError}; retrying in ${pause / 1000}s`);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    this.logger.error(`Failed forward webhook ${event} to ${url}: ${lastError}`);
  }
}
