import type { AuditLog } from '../../audit/audit-log.js';
import type { ChatwootStateStore } from '../../db/ports/chatwoot-state.js';
import { SOURCE_PREFIX } from '../../domain/chatwoot.js';
import { normalizeJid } from '../../domain/jid.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { bridgeLink, type RequestFacts } from '../audit.js';
import type { ActiveBinding, Bindings } from '../bindings/bindings.js';
import type { JobQueue } from '../queue/job-queue.js';
import { chatKeyOfSource } from '../to-chatwoot/contacts.js';
import { isObject, num, str } from './payload.js';
import type { ReplyPayload } from './reply-step.js';
import { verifyChatwootSignature } from './signature.js';

export interface WebhookHeaders {
  readonly delivery?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly signature?: string | undefined;
}

export interface WebhookAnswer {
  readonly status: 200 | 400 | 401 | 404;
  readonly body: Record<string, unknown>;
  /** The binding's number, once the URL named one (for the audit row of a refusal). */
  readonly phoneNumber?: string;
}

export interface WebhookReceiverDeps {
  readonly bindings: Bindings;
  readonly state: ChatwootStateStore;
  readonly queue: JobQueue;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
  /** CHATWOOT_WEBHOOK_TOLERANCE (s). */
  readonly toleranceSec: number;
}

const STATUS_EVENTS = new Set(['conversation_status_changed', 'conversation_updated', 'conversation_created']);

/**
 * `POST /webhooks/chatwoot/{hookId}`: an API inbox's webhook. Checked (the signature, or for a binding told its
 * Chatwoot is older than 4.13 only the secret path), parsed, de-duplicated (by delivery id, and by message id, since
 * Chatwoot may send one event twice under two delivery ids), then an agent's outgoing public message
 * becomes a `reply` step in the same transaction that records the delivery as taken (with its audit row). It answers at once: sending
 * is the queue's job (Chatwoot never retries a webhook). Everything else the inbox sends is not for WhatsApp —
 * customers' messages, private notes, the bridge's own messages (by source id, `external_echo`, and the record of
 * what it posted) — except conversation status changes, which the reopen policy needs.
 */
export class WebhookReceiver {
  constructor(private readonly deps: WebhookReceiverDeps) {}

  /** `facts`: where the request came from, for the audit row of an agent's reply. */
  async accept(hookId: string, raw: Buffer, headers: WebhookHeaders, facts: RequestFacts): Promise<WebhookAnswer> {
    const binding = this.deps.bindings.byHook(hookId);
    if (!binding) return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no Chatwoot binding has this webhook URL' } } };
    const phoneNumber = binding.phoneNumber;
    const refused = this.verify(binding, raw, headers);
    if (refused) {
      this.deps.logger.warn({ phoneNumber, reason: refused }, 'chatwoot webhook refused');
      return { status: 401, body: { error: { code: 'UNAUTHORIZED', message: refused } }, phoneNumber };
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return { status: 400, body: { error: { code: 'MALFORMED_BODY', message: 'the webhook body is not JSON' } }, phoneNumber };
    }
    if (!isObject(body)) return { status: 400, body: { error: { code: 'MALFORMED_BODY', message: 'the webhook body is not a JSON object' } }, phoneNumber };
    const outcome = await this.take(binding, body, headers.delivery, facts);
    return { status: 200, body: { ok: true, ...outcome }, phoneNumber };
  }

  private verify(binding: ActiveBinding, raw: Buffer, headers: WebhookHeaders): string | null {
    if (binding.webhookSecret === null) return binding.options.unsignedWebhooks ? null : 'this binding has no signing secret';
    const verdict = verifyChatwootSignature(binding.webhookSecret, headers.timestamp, headers.signature, raw, this.deps.toleranceSec, this.deps.clock.now());
    return verdict.ok ? null : verdict.reason;
  }

  /**
   * Most of what an inbox posts is not for WhatsApp (every message the bridge itself creates comes back): that is
   * answered without a write. Status changes are idempotent; only an agent's message is recorded as taken.
   */
  private async take(binding: ActiveBinding, body: Record<string, unknown>, delivery: string | undefined, facts: RequestFacts): Promise<{ taken: string }> {
    const phone = binding.phoneNumber;
    const event = str(body['event']) ?? '';
    if (STATUS_EVENTS.has(event)) {
      const id = num(body['id']);
      const status = str(body['status']);
      if (id !== null && status) await this.deps.state.setConversationStatus(phone, id, status);
      return { taken: 'conversation status' };
    }
    if (event !== 'message_created') return { taken: 'not for WhatsApp' };
    const why = await this.notForWhatsApp(binding, body);
    if (why) return { taken: why };
    const messageId = num(body['id']) as number;
    // One message is sent once, also when Chatwoot posts its event twice under two delivery ids (chatwoot#11901).
    const receipts = [...(delivery ? [`delivery:${phone}:${delivery.slice(0, 100)}`] : []), `message:${phone}:${messageId}`];
    const duplicate = (key: string) => ({ taken: key.startsWith('delivery:') ? 'duplicate delivery' : 'duplicate event' });
    const conversation = isObject(body['conversation']) ? body['conversation'] : {};
    const conversationId = num(conversation['id']);
    if (conversationId === null) {
      const taken = await this.deps.queue.takeDelivery(phone, receipts, null);
      return taken ? duplicate(taken) : { taken: 'no conversation' };
    }
    const lane = `conversation:${conversationId}`;
    const recipient = await this.recipientOf(phone, conversation);
    const sender = isObject(body['sender']) ? body['sender'] : {};
    const agent = str(sender['available_name']) ?? str(sender['name']);
    // An agent's reply is a send from the number: audited as sends are, in the transaction that queues it.
    const audit = (result: 'ok' | 'error', params: Record<string, unknown>) =>
      bridgeLink(this.deps.audit, facts, { action: 'chatwoot.reply', result, phoneNumber: phone, target: { type: 'chatwoot_message', id: String(messageId) }, params: { agent, conversationId, ...params } });
    if (!recipient) {
      const reason = 'this conversation has no WhatsApp chat to send to';
      const taken = await this.deps.queue.takeDelivery(phone, receipts, { phoneNumber: phone, lane, kind: 'fail', ref: String(messageId), payload: { conversationId, error: reason } }, audit('error', { reason }));
      return taken ? duplicate(taken) : { taken: 'no recipient' };
    }
    const attributes = isObject(body['content_attributes']) ? body['content_attributes'] : {};
    const payload: ReplyPayload = {
      conversationId,
      recipient,
      content: str(body['content']),
      senderName: agent,
      attachments: (Array.isArray(body['attachments']) ? body['attachments'] : []).filter(isObject).map((a) => ({
        url: str(a['data_url']) ?? '',
        fileType: str(a['file_type']) ?? 'file',
        contentType: str(a['content_type']),
        extension: str(a['extension']),
        size: num(a['file_size']),
      })),
      inReplyTo: num(attributes['in_reply_to']),
    };
    const taken = await this.deps.queue.takeDelivery(phone, receipts, { phoneNumber: phone, lane, kind: 'reply', ref: String(messageId), payload: { ...payload } }, audit('ok', { to: recipient, attachments: payload.attachments.length }));
    return taken ? duplicate(taken) : { taken: 'queued for WhatsApp' };
  }

  /** Why a `message_created` is not an agent's message for WhatsApp (null when it is). Only top-level fields count (BR-11). */
  private async notForWhatsApp(binding: ActiveBinding, body: Record<string, unknown>): Promise<string | null> {
    const inbox = isObject(body['inbox']) ? num(body['inbox']['id']) : null;
    if (inbox !== null && inbox !== binding.row.inboxId) return 'another inbox';
    if (str(body['message_type']) !== 'outgoing') return 'not an outgoing message';
    if (body['private'] === true) return 'a private note';
    const id = num(body['id']);
    if (id === null) return 'no message id';
    if ((str(body['source_id']) ?? '').startsWith(SOURCE_PREFIX)) return 'the bridge’s own message';
    const attributes = isObject(body['content_attributes']) ? body['content_attributes'] : {};
    if (attributes['external_echo'] === true) return 'the bridge’s own message';
    if (await this.deps.state.postedMessage(binding.phoneNumber, id)) return 'the bridge’s own message';
    const text = str(body['content']);
    const files = Array.isArray(body['attachments']) ? body['attachments'].length : 0;
    if (!text && files === 0) return 'nothing to send';
    return null;
  }

  /** The chat to send to: our contact inbox's source id, the chat we opened the conversation for, else the contact. */
  private async recipientOf(phone: string, conversation: Record<string, unknown>): Promise<string | null> {
    const contactInbox = isObject(conversation['contact_inbox']) ? conversation['contact_inbox'] : {};
    const fromSource = chatKeyOfSource(contactInbox['source_id']);
    if (fromSource) return fromSource;
    const id = num(conversation['id']);
    const known = id === null ? undefined : await this.deps.state.contactOfConversation(phone, id);
    if (known) return known.chatKey;
    const meta = isObject(conversation['meta']) ? conversation['meta'] : {};
    const sender = isObject(meta['sender']) ? meta['sender'] : {};
    const custom = isObject(sender['custom_attributes']) ? sender['custom_attributes'] : {};
    for (const candidate of [custom['whatsapp_jid'], sender['identifier'], sender['phone_number']]) {
      const jid = normalizeJid(candidate);
      if (jid && /@(s\.whatsapp\.net|g\.us|lid)$/.test(jid)) return jid;
    }
    return null;
  }
}
