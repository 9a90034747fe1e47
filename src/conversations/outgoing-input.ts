import type { FeedMessage } from '../events/feed-message.js';
import { cleanName, cleanText, httpUrl, media } from './message-parts.js';
import type { StoreInput } from './types.js';

type Outgoing = Extract<FeedMessage, { type: 'outgoing' }>;

/** The binary's send routes → the stored message type and, for files, the media kind. */
const KINDS: Record<string, { type: StoreInput['type']; media?: string }> = {
  message: { type: 'text' },
  text: { type: 'text' },
  link: { type: 'text' },
  image: { type: 'image', media: 'image' },
  file: { type: 'document', media: 'document' },
  video: { type: 'video', media: 'video' },
  audio: { type: 'audio', media: 'audio' },
  sticker: { type: 'sticker', media: 'sticker' },
  contact: { type: 'contact' },
  location: { type: 'location' },
  poll: { type: 'poll' },
};

/** A message this number sends, as the store keeps it (from the `content` its first announcement carries). */
export function outgoingInput(message: Outgoing, to: string, at: number): StoreInput | null {
  const content = message.content;
  if (!content) return null;
  const kind = KINDS[content.kind] ?? { type: 'other' as const };
  const text = cleanText(content.text) ?? cleanText(content.caption);
  const fileName = cleanName(content.fileName);
  const url = httpUrl(content.url);
  return {
    id: message.via === 'api' && message.messageId ? message.messageId : undefined,
    waId: message.waMessageId,
    chatJid: to,
    chatLid: null,
    senderJid: null,
    senderLid: null,
    senderName: null,
    fromMe: true,
    at,
    type: kind.type,
    text,
    fileName,
    media: kind.media ? media(kind.media, { url, fileName, size: content.size ?? null, mime: content.mimeType ?? null }) : null,
    content: content.viewOnce ? { viewOnce: true } : null,
    chatName: null,
    source: message.via === 'api' ? 'api' : 'proxy',
    status: message.status,
    error: message.error,
    sentAt: message.status === 'queued' ? null : at,
  };
}
