/**
 * `/message/{id}/*` (docs/binary-contract.md §7 "Message"): what the binary does to a message on WhatsApp and in its chat
 * storage. Marking read, starring and deleting "for me" are recorded in the action log (`/_sim/actions`),
 * so a test can see what the phone now shows; reactions, edits and revokes are new WhatsApp messages with
 * their own ids. Error texts are the binary's plain errors (500 INTERNAL_SERVER_ERROR).
 */
import { errors } from '../http/errors.js';
import { goTimeString } from '../lib/go-time.js';
import { outgoingMessageId } from '../lib/ids.js';
import type { ActionRepo } from '../store/action-repo.js';
import type { MessageRepo, MessageRow } from '../store/message-repo.js';
import { userOf } from '../store/session-store.js';
import { isMediaKind, mediaFormat, type MediaStore } from './media.js';
import { isGroupJid } from './phone.js';
import type { SendResult } from './sender.js';
import type { Slot } from './slot.js';

export interface MessageActionDeps {
  readonly messages: MessageRepo;
  readonly actions: ActionRepo;
  readonly media: MediaStore;
}

export interface DownloadResult {
  readonly message_id: string;
  readonly status: string;
  readonly media_type: string;
  readonly filename: string;
  readonly file_path: string;
  readonly file_size: number;
}

const serverTime = (): string => goTimeString(new Date(Math.floor(Date.now() / 1000) * 1000));

export class MessageActions {
  constructor(private readonly deps: MessageActionDeps) {}

  /**
   * Sends a read receipt. In a group WhatsApp needs the original sender, so the message must be in chat
   * storage; in a 1:1 chat it need not be (the receipt names this number, as the binary's does).
   */
  markRead(slot: Slot, chatJid: string, id: string): SendResult {
    let sender = slot.record.jid;
    if (isGroupJid(chatJid)) {
      const message = this.deps.messages.findInChat(slot.id, chatJid, id);
      if (!message) throw errors.internal(`message with ID ${id} not found for current device and chat ${chatJid}`);
      if (message.is_from_me === 0) sender = message.sender_jid;
    }
    this.deps.actions.add(slot.id, 'read', chatJid, id, { sender_jid: sender });
    return { message_id: id, status: `Mark as read success ${id}` };
  }

  /** An empty emoji removes this number's reaction. */
  react(slot: Slot, chatJid: string, id: string, emoji: string): SendResult {
    const target = this.deps.messages.findInChat(slot.id, chatJid, id);
    if (target) {
      this.deps.messages.react(slot.id, chatJid, id, { sender_jid: slot.record.jid, emoji, is_from_me: 1, timestamp_ms: Date.now() });
    }
    this.deps.actions.add(slot.id, 'reaction', chatJid, id, { emoji });
    return { message_id: outgoingMessageId(), status: `Reaction sent to ${chatJid} (server timestamp: ${serverTime()})` };
  }

  /** Deletes the message for everyone; the binary also removes it from its chat storage. */
  revoke(slot: Slot, chatJid: string, id: string): SendResult {
    this.deps.messages.remove(slot.id, id);
    this.deps.actions.add(slot.id, 'revoke', chatJid, id);
    return { message_id: outgoingMessageId(), status: `Revoke success ${chatJid} (server timestamp: ${serverTime()})` };
  }

  /** Deletes the message on this number's devices only (an app-state patch) and from chat storage. */
  deleteForMe(slot: Slot, chatJid: string, id: string): void {
    this.deps.messages.remove(slot.id, id);
    this.deps.actions.add(slot.id, 'delete', chatJid, id);
  }

  update(slot: Slot, chatJid: string, id: string, text: string): SendResult {
    this.deps.messages.updateContent(slot.id, id, text);
    this.deps.actions.add(slot.id, 'update', chatJid, id, { message: text });
    return { message_id: outgoingMessageId(), status: `Update message success ${chatJid} (server timestamp: ${serverTime()})` };
  }

  star(slot: Slot, chatJid: string, id: string, starred: boolean): void {
    this.deps.messages.setStarred(slot.id, id, starred);
    this.deps.actions.add(slot.id, starred ? 'star' : 'unstar', chatJid, id);
  }

  /**
   * Fetches the media from WhatsApp into `statics/media/<chat user>/<YYYY-MM-DD>/`, as the binary does.
   * Fails when the message is unknown, has no media, belongs to another chat, or WhatsApp no longer has
   * the file (`/_sim/expire-media`).
   */
  download(slot: Slot, chatJid: string, id: string): DownloadResult {
    const message = this.deps.messages.find(slot.id, id);
    if (!message) throw errors.internal(`message with ID ${id} not found`);
    if (message.media_type === '' || message.url === '') throw errors.internal(`message ${id} does not contain downloadable media`);
    if (message.chat_jid !== chatJid) throw errors.internal(`message ${id} does not belong to chat ${chatJid}`);
    const data = this.deps.media.blob(message.sim_blob);
    if (!data) throw errors.internal('failed to download media: download failed with status code 404');
    const path = this.deps.media.saveDownload(data, extension(message), userOf(message.chat_jid), day(message));
    return {
      message_id: id,
      status: `Media downloaded successfully to ${path}`,
      media_type: message.media_type,
      filename: path.split('/').pop() ?? '',
      file_path: path,
      file_size: data.length,
    };
  }
}

function extension(message: MessageRow): string {
  const fromBlob = /\.([A-Za-z0-9]+)$/.exec(message.sim_blob)?.[1];
  if (fromBlob) return fromBlob;
  return isMediaKind(message.media_type) ? mediaFormat(message.media_type, message.filename, message.mime_type).ext : 'bin';
}

function day(message: MessageRow): string {
  return new Date(message.timestamp_ms).toISOString().slice(0, 10);
}
