import { KEY_SLOTS } from '../db/repositories/stored-messages.js';
import type { AnnotationRow, ConversationRow, StoredMessageRow } from '../db/schema.js';
import type { ConversationView, MessagePreview, MessageStatusView, MessageView } from '../domain/conversation-views.js';
import { chatKindOf } from '../domain/jid.js';
import { previewOf } from './message-parts.js';

export type { ConversationView, MessagePreview, MessageStatusView, MessageView };

export function statusView(row: StoredMessageRow): MessageStatusView {
  return {
    id: row.id,
    waId: row.waId,
    phoneNumber: row.phoneNumber,
    chatId: row.chatKey,
    status: row.status,
    error: row.error,
    sentAt: iso(row.sentAt),
    deliveredAt: iso(row.deliveredAt),
    readAt: iso(row.readAt),
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function timeOfKey(key: number): number {
  return Math.floor(key / KEY_SLOTS);
}

export function messageView(row: StoredMessageRow, annotations: readonly AnnotationRow[] = []): MessageView {
  const { deletedFor, ...content } = (row.content ?? {}) as Record<string, unknown>;
  const reactions = annotations
    .filter((a) => a.kind === 'reaction' && typeof a.value['emoji'] === 'string')
    .map((a) => ({ emoji: String(a.value['emoji']), sender: a.actor, at: new Date(a.at).toISOString() }));
  const votes = annotations.filter((a) => a.kind === 'vote').map((a) => ({ voter: a.actor, options: a.value['options'] ?? [], at: new Date(a.at).toISOString() }));
  if (votes.length > 0 && typeof content['poll'] === 'object' && content['poll'] !== null) content['poll'] = { ...(content['poll'] as object), votes };
  const media = row.media as { kind?: string; mime?: string | null; size?: number | null } | null;
  return {
    id: row.id,
    waId: row.waId,
    phoneNumber: row.phoneNumber,
    chatId: row.chatKey,
    chatJid: row.chatJid ?? row.chatKey,
    chatType: chatKindOf(row.chatKey),
    direction: row.direction,
    fromMe: row.direction === 'out',
    sender: row.senderJid || row.senderLid || row.senderName ? { jid: row.senderJid, lid: row.senderLid, name: row.senderName } : null,
    type: row.type,
    text: row.text,
    media: media
      ? { kind: String(media.kind ?? row.type), mime: media.mime ?? null, size: media.size ?? null, fileName: row.fileName, url: `/api/messages/${encodeURIComponent(row.id)}/media` }
      : null,
    content,
    reactions,
    status: row.status,
    error: row.error,
    deleted: deletedFor === 'everyone' || deletedFor === 'me' ? deletedFor : null,
    timestamp: new Date(row.at).toISOString(),
    sentAt: iso(row.sentAt),
    deliveredAt: iso(row.deliveredAt),
    readAt: iso(row.readAt),
    editedAt: iso(row.editedAt),
    deletedAt: iso(row.deletedAt),
    source: row.source,
  };
}

export function previewView(row: StoredMessageRow): MessagePreview {
  return {
    id: row.id,
    waId: row.waId,
    direction: row.direction,
    type: row.type,
    preview: previewOf(row.type, row.text, row.fileName),
    status: row.status,
    senderName: row.direction === 'out' ? null : row.senderName,
    timestamp: new Date(row.at).toISOString(),
  };
}

/** `last` is the chat's newest message (looked up by `lastKey`), when there is one. */
export function conversationView(row: ConversationRow, last: StoredMessageRow | undefined): ConversationView {
  return {
    id: row.chatKey,
    phoneNumber: row.phoneNumber,
    jid: row.chatKey,
    altJid: row.altJid,
    type: row.type,
    name: row.name,
    unread: row.unread,
    archived: row.archived,
    pinned: row.pinned,
    lastActivityAt: row.lastKey > 0 ? new Date(last?.at ?? timeOfKey(row.lastKey)).toISOString() : null,
    lastMessage: last ? previewView(last) : null,
  };
}
