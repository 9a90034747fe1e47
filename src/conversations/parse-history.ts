import { isGroupJid, normalizeJid } from '../domain/jid.js';
import type { GowaChat, GowaChatMessage } from '../gowa/types.js';
import { cleanName, cleanText, httpUrl, media, MEDIA_KINDS, typeOfMedia } from './message-parts.js';
import type { HistoryChat } from './store.js';
import type { StoreAction, StoreInput } from './types.js';

const timeOf = (value: unknown): number | null => {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) && ms > 0 ? ms : null;
};

/** A chat of the child's `GET /chats` (null when its JID is not one). */
export function historyChat(chat: GowaChat): HistoryChat | null {
  const jid = normalizeJid(chat.jid);
  if (!jid) return null;
  return { jid, name: cleanName(chat.name), lastActivity: timeOf(chat.last_message_time), archived: chat.archived === true };
}

/**
 * A message of the child's chat storage (`GET /chat/{jid}/messages`) as the store takes it, with the reactions
 * stored on it. History has no `@lid` pairs, no captions apart from the text, and media only as a URL.
 */
export function historyMessage(chatJid: string, message: GowaChatMessage): { input: StoreInput; reactions: StoreAction[] } | null {
  if (typeof message.id !== 'string' || message.id === '') return null;
  const at = timeOf(message.timestamp) ?? Date.now();
  const fromMe = message.is_from_me === true;
  const kind = (MEDIA_KINDS as readonly string[]).includes(message.media_type ?? '') ? (message.media_type as string) : null;
  const text = cleanText(message.content);
  const fileName = kind ? cleanName(message.filename) : null;
  const sender = normalizeJid(message.sender_jid);
  const senderName = cleanName(message.sender_display_name);
  const input: StoreInput = {
    waId: message.id,
    chatJid,
    chatLid: null,
    senderJid: sender,
    senderLid: null,
    senderName,
    fromMe,
    at,
    type: kind ? typeOfMedia(kind) : text ? 'text' : 'other',
    text,
    fileName: kind === 'document' ? fileName : null,
    media: kind ? media(kind, { url: httpUrl(message.url), fileName, size: message.file_length ?? null }) : null,
    content: kind === 'video_note' ? { videoNote: true } : null,
    chatName: !fromMe && !isGroupJid(chatJid) ? senderName : null,
    source: 'backfill',
    status: fromMe ? 'sent' : 'received',
    sentAt: fromMe ? at : null,
  };
  const reactions: StoreAction[] = [];
  for (const r of message.reactions ?? []) {
    const actor = normalizeJid(r.sender_jid);
    if (!actor || typeof r.emoji !== 'string' || r.emoji === '') continue;
    reactions.push({ kind: 'reaction', targetWaId: message.id, actor, emoji: r.emoji, at: timeOf(r.timestamp) ?? at });
  }
  return { input, reactions };
}
