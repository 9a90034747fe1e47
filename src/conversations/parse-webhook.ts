import type { StoredMessageType } from '../db/schema.js';
import { isGroupJid, isLidJid, normalizeJid } from '../domain/jid.js';
import { isObject } from '../events/normalize.js';
import { cleanName, cleanText, httpUrl, media, MEDIA_KINDS, mediaPath, typeOfMedia } from './message-parts.js';
import type { MediaMeta, StoreAction, StoreInput } from './types.js';

/** What one of the children's message-family webhooks means for the store. */
export type WebhookEffect =
  | { readonly kind: 'message'; readonly input: StoreInput; readonly learnt: readonly Alias[] }
  | { readonly kind: 'action'; readonly action: StoreAction; readonly learnt: readonly Alias[] }
  | { readonly kind: 'none' };

/** `@lid` → phone JID, as a payload revealed it. */
export interface Alias {
  readonly lid: string;
  readonly jid: string;
}

/** A message stamped this close before it reached the gateway arrived live. */
const LIVE_WINDOW_MS = 5000;

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function timeOf(value: unknown, fallback: number): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) && ms > 0 ? ms : fallback;
}

/** The LID a payload field names, only when it is one. */
function lidOf(value: unknown): string | null {
  const jid = normalizeJid(value);
  return jid && isLidJid(jid) ? jid : null;
}

function aliases(payload: Record<string, unknown>): Alias[] {
  const found: Alias[] = [];
  for (const [jidField, lidField] of [
    ['from', 'from_lid'],
    ['chat_id', 'chat_lid'],
  ] as const) {
    const jid = normalizeJid(payload[jidField]);
    const lid = lidOf(payload[lidField]);
    if (jid && lid && !isLidJid(jid) && !isGroupJid(jid)) found.push({ lid, jid });
  }
  return found;
}

interface Parts {
  readonly type: StoredMessageType;
  readonly text: string | null;
  readonly fileName: string | null;
  readonly media: MediaMeta | null;
  readonly content: Record<string, unknown>;
}

/**
 * The one content field of a message payload: a media kind (a `statics/media/…` path, `{path, caption}`, or the
 * `{url, caption|filename}` form when auto-download is off), a location, contact(s), a poll, or plain text.
 */
function partsOf(payload: Record<string, unknown>): Parts {
  const body = cleanText(payload['body']);
  const content: Record<string, unknown> = {};
  for (const kind of MEDIA_KINDS) {
    const field = payload[kind];
    if (field === undefined || field === null) continue;
    const object = isObject(field) ? field : {};
    const path = mediaPath(typeof field === 'string' ? field : object['path']);
    const url = httpUrl(object['url']);
    const fileName = kind === 'document' ? cleanName(object['filename']) : null;
    if (kind === 'video_note') content['videoNote'] = true;
    const caption = cleanText(object['caption']) ?? body;
    return { type: typeOfMedia(kind), text: caption, fileName, media: media(kind, { path, url, fileName }), content };
  }
  const location = payload['location'] ?? payload['live_location'];
  if (isObject(location)) {
    content['location'] = {
      latitude: Number(location['degreesLatitude']),
      longitude: Number(location['degreesLongitude']),
      name: cleanName(location['name']),
      address: cleanName(location['address']),
      live: payload['live_location'] !== undefined,
    };
    const label = [cleanName(location['name']), cleanName(location['address'])].filter(Boolean).join(', ');
    return { type: 'location', text: label || body, fileName: null, media: null, content };
  }
  const cards = Array.isArray(payload['contacts_array']) ? payload['contacts_array'] : isObject(payload['contact']) ? [payload['contact']] : null;
  if (cards) {
    content['contacts'] = cards.filter(isObject).map((card) => ({
      name: cleanName(card['displayName']),
      phone: str(card['phone_number']),
      vcard: cleanText(card['vcard'], 4096),
    }));
    const names = (content['contacts'] as { name: string | null }[]).map((c) => c.name).filter(Boolean).join(', ');
    return { type: 'contact', text: names || body, fileName: null, media: null, content };
  }
  if (isObject(payload['poll'])) {
    const poll = payload['poll'];
    const options = Array.isArray(poll['options']) ? poll['options'].filter(isObject).map((o) => cleanName(o['name'])).filter((n): n is string => n !== null) : [];
    content['poll'] = { question: cleanText(poll['question'], 1024), options, selectable: typeof poll['selectable_options_count'] === 'number' ? poll['selectable_options_count'] : 1 };
    return { type: 'poll', text: cleanText(poll['question'], 1024) ?? body, fileName: null, media: null, content };
  }
  if (body !== null) return { type: 'text', text: body, fileName: null, media: null, content };
  return { type: 'other', text: null, fileName: null, media: null, content };
}

/** Reply, forward and view-once markers every message kind may carry. */
function contextOf(payload: Record<string, unknown>): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  const replied = str(payload['replied_to_id']);
  if (replied) context['quoted'] = { waId: replied, text: cleanText(payload['quoted_body'], 1024) };
  if (payload['forwarded'] === true) context['forwarded'] = true;
  if (payload['view_once'] === true) context['viewOnce'] = true;
  return context;
}

/**
 * A child's `message`, `message.reaction`, `message.edited`, `message.revoked` or `message.deleted` webhook
 * payload (docs/binary-contract.md §10) → a stored message or an action on one. Anything malformed (no id, no
 * chat) is ignored: the journal keeps the event either way.
 */
export function parseMessageWebhook(event: string, payload: Record<string, unknown>, receivedAt: number): WebhookEffect {
  const chatJid = normalizeJid(payload['chat_id']);
  const learnt = aliases(payload);
  const at = timeOf(payload['timestamp'], receivedAt);
  const fromMe = payload['is_from_me'] === true;
  const sender = normalizeJid(payload['from']);
  const actor = sender ?? '';
  const target = (field: string): string | null => str(payload[field]);
  switch (event) {
    case 'message.reaction': {
      const id = target('reacted_message_id');
      const emoji = typeof payload['reaction'] === 'string' ? payload['reaction'] : '';
      return id ? { kind: 'action', action: { kind: 'reaction', targetWaId: id, actor, emoji, at }, learnt } : { kind: 'none' };
    }
    case 'message.edited': {
      const id = target('original_message_id');
      return id ? { kind: 'action', action: { kind: 'edit', targetWaId: id, text: cleanText(payload['body']) ?? '', at }, learnt } : { kind: 'none' };
    }
    case 'message.revoked': {
      const id = target('revoked_message_id');
      return id ? { kind: 'action', action: { kind: 'revoke', targetWaId: id, at }, learnt } : { kind: 'none' };
    }
    case 'message.deleted': {
      const id = target('deleted_message_id');
      return id ? { kind: 'action', action: { kind: 'delete', targetWaId: id, at }, learnt } : { kind: 'none' };
    }
    case 'message':
      break;
    default:
      return { kind: 'none' };
  }
  const waId = str(payload['id']);
  if (!waId || !chatJid) return { kind: 'none' };
  const poll = payload['poll'];
  if (isObject(poll) && poll['type'] === 'vote') {
    const pollId = str(poll['poll_id']);
    const options = Array.isArray(poll['selected_options']) ? poll['selected_options'].filter((o): o is string => typeof o === 'string') : [];
    return pollId ? { kind: 'action', action: { kind: 'vote', targetWaId: pollId, actor, options, at }, learnt } : { kind: 'none' };
  }
  const parts = partsOf(payload);
  const senderName = cleanName(payload['from_name']) ?? cleanName(payload['sender_display_name']);
  const input: StoreInput = {
    waId,
    chatJid,
    chatLid: lidOf(payload['chat_lid']),
    senderJid: sender,
    senderLid: lidOf(payload['from_lid']),
    senderName,
    fromMe,
    at,
    // Arrived live (WhatsApp's whole-second time is at most a few seconds old): in arrival order.
    orderAt: receivedAt >= at && receivedAt - at < LIVE_WINDOW_MS ? receivedAt : at,
    type: parts.type,
    text: parts.text,
    fileName: parts.fileName,
    media: parts.media,
    content: { ...parts.content, ...contextOf(payload) },
    chatName: !fromMe && !isGroupJid(chatJid) ? senderName : null,
    source: 'live',
    status: fromMe ? 'sent' : 'received',
    sentAt: fromMe ? at : null,
  };
  return { kind: 'message', input, learnt };
}
