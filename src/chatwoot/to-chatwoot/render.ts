import type { MessageView } from '../../conversations/views.js';
import { SOURCE_PREFIX, type BindingOptions } from '../../domain/chatwoot.js';
import { phoneOfJid } from '../../domain/jid.js';
import type { MessageDraft } from '../client/types.js';

/** Our source id of a WhatsApp message in Chatwoot: also what a reply to it names (`in_reply_to_external_id`). */
export const messageSourceId = (waId: string): string => `${SOURCE_PREFIX}${waId}`;

/** How a stored message reads in Chatwoot (no attachments: those are added by the caller). */
export function draftOf(view: MessageView, options: BindingOptions, sourceId: string, extraAttributes: Record<string, unknown> = {}): MessageDraft {
  const own = view.direction === 'out';
  const quoted = view.content['quoted'] as { waId?: unknown } | undefined;
  const attributes: Record<string, unknown> = { external_echo: true, external_created_at: Math.floor(Date.parse(view.timestamp) / 1000), ...extraAttributes };
  if (typeof quoted?.waId === 'string') attributes['in_reply_to_external_id'] = messageSourceId(quoted.waId);
  return {
    content: withSender(view, bodyOf(view)),
    messageType: own ? 'outgoing' : 'incoming',
    private: own && options.ownMessages === 'private_note',
    sourceId,
    contentAttributes: attributes,
  };
}

/** The text Chatwoot shows for a message: its text or caption, or a rendering of a location, contacts, a poll. */
export function bodyOf(view: MessageView): string | null {
  const content = view.content;
  switch (view.type) {
    case 'location': {
      const place = content['location'] as { latitude?: number; longitude?: number; name?: string | null; address?: string | null } | undefined;
      const label = [place?.name, place?.address].filter(Boolean).join(', ');
      const link = place && Number.isFinite(place.latitude) && Number.isFinite(place.longitude) ? `https://maps.google.com/?q=${place.latitude},${place.longitude}` : '';
      return [`📍 ${label || 'Location'}`, link].filter(Boolean).join('\n');
    }
    case 'contact': {
      const cards = (content['contacts'] as { name?: string | null; phone?: string | null }[] | undefined) ?? [];
      return cards.map((c) => `👤 ${c.name ?? 'Contact'}${c.phone ? `: +${c.phone.replace(/^\+/, '')}` : ''}`).join('\n') || '👤 Contact';
    }
    case 'poll': {
      const poll = content['poll'] as { question?: string | null; options?: string[] } | undefined;
      return [`📊 ${poll?.question ?? view.text ?? 'Poll'}`, ...(poll?.options ?? []).map((o) => `• ${o}`)].join('\n');
    }
    case 'other':
      return view.text ?? '(a WhatsApp message of a kind Chatwoot cannot show)';
    default:
      return view.text;
  }
}

/** In a group, who wrote it: `**Name (+phone):**` before the text (a group is one contact in Chatwoot). */
function withSender(view: MessageView, text: string | null): string | null {
  if (view.chatType !== 'group' || view.direction === 'out' || !view.sender) return text;
  const phone = view.sender.jid ? phoneOfJid(view.sender.jid) : null;
  const who = [view.sender.name, phone ? `+${phone}` : null].filter(Boolean);
  const label = who.length === 2 ? `${who[0]} (${who[1]})` : (who[0] ?? 'Someone');
  return text ? `**${label}:**\n${text}` : `**${label}:**`;
}

/** A file name for an attachment: the document's own, else `<kind>.<extension of its type>`. */
export function fileNameOf(view: MessageView, mime: string): string {
  if (view.media?.fileName) return view.media.fileName;
  const ext = EXTENSIONS[mime] ?? mime.split('/')[1]?.replace(/[^a-z0-9]/gi, '') ?? 'bin';
  return `${view.media?.kind ?? view.type}.${ext}`;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
  'application/pdf': 'pdf',
};

/** Store statuses of sent messages → Chatwoot message statuses (never backwards: read > delivered > sent). */
export const CW_STATUS: Partial<Record<string, 'sent' | 'delivered' | 'read' | 'failed'>> = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed', expired: 'failed' };
const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3, failed: 4 };
export const statusRank = (status: string | null | undefined): number => (status ? (RANK[status] ?? 0) : 0);
