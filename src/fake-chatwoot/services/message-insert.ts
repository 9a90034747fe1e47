/**
 * Writes one message row with its attachments and the bookkeeping every message causes (ids, the
 * conversation's list, `last_activity_at`, `updated_at` through `touch: true`). No rules, no events: the
 * builder (messages.ts) and the activity messages of status changes both go through here.
 */
import { fileTypeFor } from '../domain/file-type.js';
import type {
  Attachment, ContentType, Conversation, FileUpload, JsonObject, Message, MessageStatus, MessageType, SenderRef,
} from '../domain/records.js';
import type { Clock } from '../lib/time.js';
import type { Store } from '../store/store.js';

export interface MessageRow {
  readonly content: string | null;
  readonly messageType: MessageType;
  readonly contentType: ContentType;
  readonly contentAttributes: JsonObject;
  readonly private: boolean;
  readonly status?: MessageStatus;
  readonly sourceId: string | null;
  readonly sender: SenderRef | null;
  readonly additionalAttributes?: JsonObject;
  readonly files?: readonly FileUpload[];
}

export class MessageInsert {
  constructor(
    private readonly store: Store,
    private readonly now: Clock,
  ) {}

  insert(conversation: Conversation, row: MessageRow): Message {
    const state = this.store.state;
    const data = state.account(conversation.accountId);
    const now = this.now();
    const id = data.next.message++;
    const attachments: Attachment[] = (row.files ?? []).map((file) => ({
      id: state.next.attachment++,
      accountId: conversation.accountId,
      messageId: id,
      fileType: fileTypeFor(file.contentType),
      contentType: file.contentType,
      filename: file.filename,
      data: file.data,
      createdAt: now,
    }));
    const message: Message = {
      accountId: conversation.accountId,
      id,
      conversationInternalId: conversation.internalId,
      inboxId: conversation.inboxId,
      content: row.content,
      messageType: row.messageType,
      contentType: row.contentType,
      contentAttributes: row.contentAttributes,
      private: row.private,
      status: row.status ?? 'sent',
      sourceId: row.sourceId,
      sender: row.sender,
      additionalAttributes: row.additionalAttributes ?? {},
      attachments,
      createdAt: now,
      updatedAt: now,
    };
    data.messages.set(id, message);
    for (const attachment of attachments) state.attachments.set(attachment.id, attachment);
    conversation.messageIds.push(id);
    conversation.lastActivityAt = now;
    conversation.updatedAt = now;
    return message;
  }
}
