/**
 * `/_sim/incoming`: WhatsApp delivering messages to this number, or the number's own phone sending one
 * (`is_from_me`). Each message is stored in chat storage (so `/chats`, `/chat/{jid}/messages` and
 * `/message/{id}/download` see it) and forwarded as the binary does (docs/binary-contract.md §10): `message`,
 * `message.reaction`, `message.edited`, `message.revoked` or `message.deleted`, with the message-family
 * fields, phone JIDs in `chat_id`/`from` and the `@lid` originals in `chat_lid`/`from_lid`.
 */
import { rfc3339 } from '../lib/go-time.js';
import { incomingMessageId } from '../lib/ids.js';
import type { MessageRepo, StoredMessage } from '../store/message-repo.js';
import type { WebhookDispatcher } from '../webhook/dispatcher.js';
import { generatedFilename, isMediaKind, mediaFormat, placeholderBytes, whatsappMediaUrl, type MediaKind, type MediaStore } from './media.js';
import {
  contactPayload, locationPayload, locationSummary, parsePollExtra, pollCreation, pollVote,
  type ContactCard, type LocationInput, type PollDefinition,
} from './message-content.js';
import type { Slot } from './slot.js';

export const INCOMING_TYPES = [
  'text', 'image', 'video', 'audio', 'document', 'sticker', 'video_note', 'location', 'contact', 'contacts', 'poll',
  'poll_vote', 'reaction', 'edited', 'revoked', 'deleted',
] as const;
export type IncomingType = (typeof INCOMING_TYPES)[number];

/** Types that act on an earlier message, and the request field naming it. */
export const TARGET_FIELDS: Partial<Record<IncomingType, string>> = {
  reaction: 'reacted_message_id',
  edited: 'original_message_id',
  revoked: 'revoked_message_id',
  deleted: 'deleted_message_id',
  poll_vote: 'poll_id',
};

/** A chat or sender as the binary reports it: the phone JID when known, and the `@lid` it came as. */
export interface Party {
  readonly jid: string;
  readonly lid?: string;
  readonly name: string;
}

export interface IncomingRequest {
  readonly type: IncomingType;
  readonly sender: Party;
  readonly chat: Party;
  readonly isFromMe: boolean;
  readonly count: number;
  readonly at?: Date;
  readonly body: string;
  readonly caption: string;
  readonly filename: string;
  readonly data?: Buffer;
  readonly size?: number;
  readonly location: LocationInput;
  readonly contacts: readonly ContactCard[];
  readonly poll: PollDefinition;
  readonly selected: readonly string[];
  readonly reaction: string;
  /** The earlier message a reaction, edit, revoke, delete or vote refers to. */
  readonly targetId: string;
  readonly revokedFromMe: boolean;
  readonly repliedToId: string;
  readonly quotedBody: string;
  readonly forwarded: boolean;
  readonly viewOnce: boolean;
}

export interface IncomingDeps {
  readonly messages: MessageRepo;
  readonly webhooks: WebhookDispatcher;
  readonly media: MediaStore;
  readonly autoDownloadMedia: boolean;
}

const EVENTS: Partial<Record<IncomingType, string>> = {
  reaction: 'message.reaction',
  edited: 'message.edited',
  revoked: 'message.revoked',
  deleted: 'message.deleted',
};

interface Built {
  readonly id: string;
  readonly payload: Record<string, unknown>;
  readonly stored?: StoredMessage;
}

export class IncomingSimulator {
  constructor(private readonly deps: IncomingDeps) {}

  /** Returns the ids of the events fired (for `deleted`: the deleted id, or none when storage lacks it). */
  deliver(slot: Slot, request: IncomingRequest): string[] {
    if (request.type === 'deleted') return this.deleteForMe(slot, request);
    const built: Built[] = [];
    for (let i = 0; i < request.count; i++) built.push(this.build(slot, request));
    const stored = built.flatMap((item) => (item.stored ? [item.stored] : []));
    // An empty name (a message from the phone to a 1:1 chat) keeps the stored one.
    this.deps.messages.addMany(slot.id, stored, () => request.chat.name);
    this.applyToTarget(slot, request);
    for (const item of built) this.deps.webhooks.emit(slot, EVENTS[request.type] ?? 'message', item.payload);
    return built.map((item) => item.id);
  }

  private build(slot: Slot, request: IncomingRequest): Built {
    const at = request.at ?? new Date();
    const id = incomingMessageId();
    const { sender, chat } = request;
    const payload: Record<string, unknown> = {
      id,
      chat_id: chat.jid,
      chat_lid: chat.lid,
      from: sender.jid,
      from_lid: sender.lid,
      sender_display_name: sender.name,
      from_name: sender.name || undefined,
      timestamp: rfc3339(at),
      is_from_me: request.isFromMe,
    };
    const base: StoredMessage = {
      id, chatJid: chat.jid, senderJid: sender.jid, senderDisplayName: sender.name, content: '', timestampMs: at.getTime(),
      isFromMe: request.isFromMe, mediaType: '', filename: '', url: '', fileLength: 0,
    };
    const context = {
      replied_to_id: request.repliedToId || undefined,
      quoted_body: request.quotedBody || undefined,
      forwarded: request.forwarded || undefined,
      view_once: request.viewOnce || undefined,
    };
    const message = (fields: Record<string, unknown>, stored?: Partial<StoredMessage>): Built => ({
      id, payload: { ...payload, ...context, ...fields }, stored: stored ? { ...base, ...stored } : undefined,
    });
    const { type } = request;
    if (isMediaKind(type)) return this.media(request, type, at, message);
    switch (type) {
      case 'text':
        return message({ body: request.body }, { content: request.body });
      case 'location':
        return message({ location: locationPayload(request.location) }, { content: locationSummary(request.location) });
      case 'contact': {
        const [card = { name: '', phone: '' }] = request.contacts;
        return message({ contact: contactPayload(card) }, { content: `👤 ${card.name}` });
      }
      case 'contacts':
        return message({ contacts_array: request.contacts.map(contactPayload) }, { content: `👥 ${request.contacts.length} contacts shared` });
      case 'poll': {
        const { poll, body } = pollCreation(id, request.poll);
        return message({ poll, body }, { content: `📊 ${request.poll.question}`, extra: JSON.stringify({ poll: request.poll }) });
      }
      case 'poll_vote': {
        const stored = this.deps.messages.find(slot.id, request.targetId);
        const { poll, body } = pollVote(request.targetId, stored ? parsePollExtra(stored.extra) : undefined, request.selected);
        return message({ poll, body });
      }
      case 'reaction':
        return { id, payload: { ...payload, reaction: request.reaction, reacted_message_id: request.targetId } };
      case 'revoked':
        return {
          id,
          payload: { ...payload, revoked_message_id: request.targetId, revoked_from_me: request.revokedFromMe, revoked_chat: chat.lid ?? chat.jid },
        };
      case 'edited':
        return { id, payload: { ...payload, original_message_id: request.targetId, body: request.body } };
      case 'deleted':
        throw new Error('delete-for-me is handled by deleteForMe');
    }
  }

  /**
   * With auto-download on, the binary saves the media to `statics/media/<unix>-<uuid>.<ext>` and sends the
   * path (or `{path, caption}` when there is a caption); with it off, it sends the WhatsApp URL
   * (`{url, caption}` for image/video/video_note, `{url, filename}` for documents, `{url}` otherwise).
   */
  private media(request: IncomingRequest, kind: MediaKind, at: Date, message: (f: Record<string, unknown>, s?: Partial<StoredMessage>) => Built): Built {
    const filename = kind === 'document' ? request.filename : generatedFilename(kind, at);
    const { ext, mime } = mediaFormat(kind, filename);
    const data = request.data ?? placeholderBytes(kind, request.size);
    const url = whatsappMediaUrl();
    const captioned = kind === 'image' || kind === 'video' || kind === 'video_note' || kind === 'document';
    const caption = captioned ? request.caption : '';
    let field: unknown;
    if (!this.deps.autoDownloadMedia) {
      if (kind === 'document') field = { url, filename };
      else field = captioned ? { url, caption } : { url };
    } else {
      const path = this.deps.media.saveIncoming(data, ext, at);
      field = caption ? { path, caption } : path;
    }
    const blob = this.deps.media.putBlob(data, ext);
    return message(
      { [kind]: field, body: caption || undefined },
      { content: caption, mediaType: kind, filename, url, fileLength: data.length, mimeType: mime, blob },
    );
  }

  /** Reactions, edits and revokes change the stored original, as the binary's chat storage does. */
  private applyToTarget(slot: Slot, request: IncomingRequest): void {
    const { messages } = this.deps;
    if (request.type === 'edited') messages.updateContent(slot.id, request.targetId, request.body);
    if (request.type === 'revoked') messages.remove(slot.id, request.targetId);
    if (request.type === 'reaction') {
      const target = messages.find(slot.id, request.targetId);
      if (target) {
        messages.react(slot.id, target.chat_jid, target.id, {
          sender_jid: request.sender.jid, emoji: request.reaction, is_from_me: request.isFromMe ? 1 : 0,
          timestamp_ms: (request.at ?? new Date()).getTime(),
        });
      }
    }
  }

  /**
   * The phone deleted a message "for me": the binary reports it only when the original is in its chat
   * storage (the payload describes the original), then forgets it.
   */
  private deleteForMe(slot: Slot, request: IncomingRequest): string[] {
    const original = this.deps.messages.find(slot.id, request.targetId);
    if (!original) return [];
    const at = request.at ?? new Date();
    this.deps.messages.remove(slot.id, original.id);
    this.deps.webhooks.emit(slot, 'message.deleted', {
      deleted_message_id: original.id,
      timestamp: rfc3339(at),
      from: slot.record.jid,
      sender_display_name: slot.record.displayName,
      chat_id: original.chat_jid,
      original_content: original.content,
      original_sender: original.sender_jid,
      original_timestamp: rfc3339(new Date(original.timestamp_ms)),
      was_from_me: original.is_from_me === 1,
      original_media_type: original.media_type || undefined,
      original_filename: original.filename || undefined,
    });
    return [original.id];
  }
}
