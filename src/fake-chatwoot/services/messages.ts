/**
 * `Messages::MessageBuilder` and the message lifecycle: create (API-inbox rule for incoming, 15 attachments,
 * per-conversation flood limit, reply threading resolved within the conversation, reopen on incoming,
 * waiting_since / first reply), status updates (`read` never goes back to `delivered`), soft delete, retry,
 * and the `failed` mark a lost API-inbox delivery leaves.
 */
import { errors } from '../domain/errors.js';
import {
  MESSAGE_STATUSES, type ContentType, type Conversation, type FileUpload, type JsonObject, type Message, type MessageType, type SenderRef,
} from '../domain/records.js';
import type { KnobStore } from '../config/knobs.js';
import { Tx } from '../events/domain-event.js';
import type { EventFactory } from '../events/event-factory.js';
import { isoOrNull, type Clock } from '../lib/time.js';
import type { Store } from '../store/store.js';
import type { ConversationStatusService } from './conversation-status.js';
import type { MessageInsert } from './message-insert.js';

export interface MessageInput {
  readonly content: string | null;
  readonly messageType: MessageType;
  readonly private: boolean;
  readonly contentType: ContentType;
  readonly contentAttributes: JsonObject;
  readonly sourceId: string | null;
  /** Outgoing: the token's owner (or the bot named by sender_type/sender_id); incoming: set to the contact here. */
  readonly sender: SenderRef | null;
  readonly files: readonly FileUpload[];
}

export const MAX_ATTACHMENTS = 15;
const MAX_CONTENT = 150_000;
export const DELETED_CONTENT = 'This message was deleted';

export class Messages {
  constructor(
    private readonly store: Store,
    private readonly inserter: MessageInsert,
    private readonly status: ConversationStatusService,
    private readonly events: EventFactory,
    private readonly knobs: KnobStore,
    private readonly now: Clock,
  ) {}

  create(tx: Tx, conversation: Conversation, input: MessageInput): Message {
    const state = this.store.state;
    const inbox = state.inboxes.get(conversation.inboxId);
    if (input.messageType === 'incoming' && inbox?.channelType !== 'Channel::Api') {
      throw errors.unprocessable('Incoming messages are only allowed in Api inboxes');
    }
    if (input.files.length > MAX_ATTACHMENTS) throw errors.unprocessable('Validation failed: Attachments exceeded maximum allowed');
    if ((input.content ?? '').length > MAX_CONTENT) throw errors.unprocessable(`Validation failed: Content is too long (maximum is ${MAX_CONTENT} characters)`);
    this.assertFloodLimit(conversation);
    const sender: SenderRef | null = input.messageType === 'incoming' ? { type: 'Contact', id: conversation.contactId } : input.sender;
    const message = this.inserter.insert(conversation, {
      content: input.content,
      messageType: input.messageType,
      contentType: input.contentType,
      contentAttributes: this.resolveReply(conversation, input.contentAttributes),
      private: input.private,
      sourceId: input.sourceId,
      sender,
      files: input.files,
    });
    const after = new Tx();
    if (input.messageType === 'incoming') {
      const contact = state.account(conversation.accountId).contacts.get(conversation.contactId);
      if (contact) contact.lastActivityAt = message.createdAt;
      if ((conversation.status === 'resolved' || conversation.status === 'snoozed') && !conversation.muted) {
        this.status.change(after, conversation, 'open', { kind: 'system' });
      }
    }
    tx.emit(this.events.message('message_created', message));
    tx.events.push(...after.events);
    this.trackWaiting(tx, conversation, message);
    return message;
  }

  /**
   * `Messages::StatusUpdateService`: unknown statuses and read → delivered change nothing (and still answer 200).
   * `external_error` is written only when the request carries one (so a plain delivered/read update does not add
   * an `external_error: null` key, which WAHA would read as a retry): our reading of an unsettled detail.
   */
  updateStatus(tx: Tx, message: Message, status: string, externalError?: string | null): Message {
    if (!(MESSAGE_STATUSES as readonly string[]).includes(status)) return message;
    if (message.status === 'read' && status === 'delivered') return message;
    const attributes = externalError === undefined ? message.contentAttributes : { ...message.contentAttributes, external_error: externalError };
    this.update(tx, message, { status: status as Message['status'], contentAttributes: attributes });
    return message;
  }

  softDelete(tx: Tx, message: Message): Message {
    const state = this.store.state;
    for (const attachment of message.attachments) state.attachments.delete(attachment.id);
    const hadAttachments = message.attachments.length > 0;
    message.attachments = [];
    this.update(tx, message, { content: DELETED_CONTENT, contentType: 'text', contentAttributes: { deleted: true } }, hadAttachments);
    return message;
  }

  /** The agent's retry button: back to `sent`, then `content_attributes` cleared; each change is a message_updated. */
  retry(tx: Tx, message: Message): Message {
    this.update(tx, message, { status: 'sent' });
    this.update(tx, message, { contentAttributes: {} });
    return message;
  }

  /** `Webhooks::Trigger#handle_error` for an API-inbox message delivery that failed. */
  markFailed(accountId: number, messageId: number, error: string): Tx {
    const tx = new Tx();
    const message = this.store.state.accounts.get(accountId)?.messages.get(messageId);
    if (message) this.updateStatus(tx, message, 'failed', error);
    return tx;
  }

  /** Writes what differs; an update that changes nothing dispatches nothing (`previous_changes.blank?`). */
  private update(tx: Tx, message: Message, next: Partial<Pick<Message, 'status' | 'content' | 'contentType' | 'contentAttributes'>>, force = false): boolean {
    let changed = force;
    for (const key of ['status', 'content', 'contentType', 'contentAttributes'] as const) {
      if (!(key in next) || JSON.stringify(message[key]) === JSON.stringify(next[key])) continue;
      Object.assign(message, { [key]: next[key] });
      changed = true;
    }
    if (!changed) return false;
    message.updatedAt = this.now();
    tx.emit(this.events.message('message_updated', message));
    return true;
  }

  /** Counts every message of the conversation in the window, activity messages included (the model counts rows). */
  private assertFloodLimit(conversation: Conversation): void {
    const { flood_limit: limit, flood_window_ms: window } = this.knobs.current;
    const since = this.now() - window;
    const messages = this.store.state.account(conversation.accountId).messages;
    let recent = 0;
    for (let i = conversation.messageIds.length - 1; i >= 0 && recent < limit; i--) {
      const message = messages.get(conversation.messageIds[i] ?? -1);
      if (!message) continue;
      if (message.createdAt < since) break;
      recent++;
    }
    if (recent >= limit) throw errors.unprocessable('Validation failed: Too many messages');
  }

  /**
   * `Messages::InReplyToMessageBuilder`: look the quoted message up in **this** conversation, by id when
   * `in_reply_to` is given, else by source_id; then rewrite both keys, or null both when nothing matches.
   */
  private resolveReply(conversation: Conversation, attributes: JsonObject): JsonObject {
    const byId = attributes.in_reply_to;
    const byExternal = attributes.in_reply_to_external_id;
    const given = (value: unknown): boolean => value !== undefined && value !== null && value !== '';
    if (!given(byId) && !given(byExternal)) return attributes;
    const messages = this.store.state.messagesOf(conversation);
    const target = given(byId)
      ? messages.find((m) => m.id === Number(byId))
      : messages.find((m) => m.sourceId === String(byExternal));
    return { ...attributes, in_reply_to_external_id: target?.sourceId ?? null, in_reply_to: target?.id ?? null };
  }

  /** An incoming message starts the wait; the first human reply ends it and records the first reply. */
  private trackWaiting(tx: Tx, conversation: Conversation, message: Message): void {
    const changes: Record<string, readonly [unknown, unknown]> = {};
    if (message.messageType === 'incoming' && conversation.waitingSince === null) {
      changes.waiting_since = [null, isoOrNull(message.createdAt)];
      conversation.waitingSince = message.createdAt;
    }
    const human = message.messageType === 'outgoing' && !message.private && message.sender?.type === 'User';
    if (human && conversation.firstReplyCreatedAt === null) {
      changes.first_reply_created_at = [null, isoOrNull(message.createdAt)];
      conversation.firstReplyCreatedAt = message.createdAt;
    }
    if (human && conversation.waitingSince !== null) {
      changes.waiting_since = [isoOrNull(conversation.waitingSince), null];
      conversation.waitingSince = null;
    }
    this.status.announce(tx, conversation, changes);
  }
}
