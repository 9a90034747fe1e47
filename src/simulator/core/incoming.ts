/**
 * `/_sim/incoming`: WhatsApp delivering messages to this number. Each one is stored (so the chat routes show it)
 * and forwarded as the binary would (docs/binary-contract.md §10): `message`, `message.reaction`,
 * `message.revoked` or `message.edited`, with the payload fields of the message family.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rfc3339 } from '../lib/go-time.js';
import { incomingMessageId, uuid } from '../lib/ids.js';
import type { MessageRepo, StoredMessage } from '../store/message-repo.js';
import type { WebhookDispatcher } from '../webhook/dispatcher.js';
import { GROUP_SERVER } from './phone.js';
import type { Slot } from './slot.js';

export const INCOMING_TYPES = ['text', 'image', 'document', 'reaction', 'revoked', 'edited'] as const;
export type IncomingType = (typeof INCOMING_TYPES)[number];

export interface IncomingRequest {
  readonly type: IncomingType;
  readonly from: string;
  readonly chatId: string;
  readonly fromName: string;
  readonly body: string;
  readonly caption: string;
  readonly filename: string;
  readonly count: number;
  readonly reaction: string;
  /** Target of a reaction, revoke or edit. */
  readonly targetId: string;
  readonly revokedFromMe: boolean;
}

export interface IncomingDeps {
  readonly messages: MessageRepo;
  readonly webhooks: WebhookDispatcher;
  readonly autoDownloadMedia: boolean;
  readonly mediaDir: string;
}

const EVENTS: Record<IncomingType, string> = {
  text: 'message',
  image: 'message',
  document: 'message',
  reaction: 'message.reaction',
  revoked: 'message.revoked',
  edited: 'message.edited',
};

export class IncomingSimulator {
  constructor(private readonly deps: IncomingDeps) {}

  deliver(slot: Slot, request: IncomingRequest): string[] {
    const outbound: { payload: Record<string, unknown>; stored?: StoredMessage }[] = [];
    for (let i = 0; i < request.count; i++) outbound.push(this.build(request));
    const stored = outbound.flatMap((item) => (item.stored ? [item.stored] : []));
    const isGroup = request.chatId.endsWith(`@${GROUP_SERVER}`);
    this.deps.messages.addMany(slot.id, stored, () => (isGroup ? '' : request.fromName));
    this.applyToTarget(slot, request);
    for (const item of outbound) this.deps.webhooks.emit(slot, EVENTS[request.type], item.payload);
    return outbound.map((item) => String(item.payload.id));
  }

  private build(request: IncomingRequest): { payload: Record<string, unknown>; stored?: StoredMessage } {
    const now = new Date();
    const id = incomingMessageId();
    const payload: Record<string, unknown> = {
      id,
      chat_id: request.chatId,
      from: request.from,
      sender_display_name: request.fromName,
      from_name: request.fromName || undefined,
      timestamp: rfc3339(now),
      is_from_me: false,
    };
    const stored: StoredMessage = {
      id, chatJid: request.chatId, senderJid: request.from, senderDisplayName: request.fromName, content: '',
      timestampMs: now.getTime(), isFromMe: false, mediaType: '', filename: '', url: '', fileLength: 0,
    };
    switch (request.type) {
      case 'text':
        payload.body = request.body;
        return { payload, stored: { ...stored, content: request.body } };
      case 'image':
      case 'document': {
        const media = this.media(request, now);
        payload[request.type] = media.field;
        if (request.caption) payload.body = request.caption;
        return {
          payload,
          stored: { ...stored, content: request.caption, mediaType: request.type, filename: media.filename, url: media.url, fileLength: media.size },
        };
      }
      case 'reaction':
        return { payload: { ...payload, reaction: request.reaction, reacted_message_id: request.targetId } };
      case 'revoked':
        return {
          payload: { ...payload, revoked_message_id: request.targetId, revoked_from_me: request.revokedFromMe, revoked_chat: request.chatId },
        };
      case 'edited':
        return { payload: { ...payload, original_message_id: request.targetId, body: request.body } };
    }
  }

  /**
   * With auto-download on, the binary saves the media to `statics/media/<unix>-<uuid>.<ext>` and sends the
   * path (or `{path, caption}` when there is a caption); with it off, it sends the WhatsApp URL instead.
   */
  private media(request: IncomingRequest, now: Date): { field: unknown; filename: string; url: string; size: number } {
    const ext = request.type === 'image' ? 'jpg' : (request.filename.split('.').pop() ?? 'bin');
    const filename = request.type === 'document' ? request.filename : '';
    const caption = request.caption || undefined;
    if (!this.deps.autoDownloadMedia) {
      const url = `https://mmg.whatsapp.net/v/t62.7118-24/${uuid()}.enc`;
      const field = request.type === 'image' ? { url, caption } : { url, filename };
      return { field, filename, url, size: 0 };
    }
    const path = `statics/media/${Math.floor(now.getTime() / 1000)}-${uuid()}.${ext}`;
    const content = Buffer.from(`stand-in ${request.type} placeholder\n`);
    writeFileSync(join(this.deps.mediaDir, path.slice('statics/media/'.length)), content);
    return { field: caption ? { path, caption } : path, filename, url: path, size: content.length };
  }

  /** Edits and revokes change the stored original, as the binary's chat storage does. */
  private applyToTarget(slot: Slot, request: IncomingRequest): void {
    if (request.type === 'edited') this.deps.messages.updateContent(slot.id, request.targetId, request.body);
    if (request.type === 'revoked') this.deps.messages.remove(slot.id, request.targetId);
  }
}
