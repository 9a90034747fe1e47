/**
 * `/_sim/seed-history`: the history WhatsApp syncs to a newly linked device, written straight into chat
 * storage (no webhooks, as the binary's history sync sends none), for backfill tests. Deterministic for a
 * given `seed`: the same request writes the same chats and message ids again (stored in place, not twice),
 * another seed writes other chats. Chats are direct (phone JIDs), groups (`@g.us`, several senders, some
 * known only by `@lid`) and direct chats with `@lid`-only contacts; some messages carry media (one shared
 * file per kind, downloadable through `/message/{id}/download`); some were sent by this number.
 */
import type { MessageRepo, StoredMessage } from '../store/message-repo.js';
import { generatedFilename, MEDIA_KINDS, mediaFormat, whatsappMediaUrl, type MediaKind, type MediaStore } from './media.js';
import { GROUP_SERVER, LID_SERVER, USER_SERVER } from './phone.js';
import type { Slot } from './slot.js';

export interface SeedRequest {
  readonly chats: number;
  readonly messagesPerChat: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly mediaRatio: number;
  readonly groupRatio: number;
  readonly lidRatio: number;
  readonly fromMeRatio: number;
  /** 0–999: picks the chats' JIDs and every random choice. */
  readonly seed: number;
}

export interface SeedResult {
  readonly chats: number;
  readonly messages: number;
  readonly media: number;
  readonly group_chats: number;
  readonly lid_chats: number;
  readonly chat_jids: string[];
}

const WORDS = ['hello', 'refund', 'invoice', 'delivery', 'thanks', 'order', 'price', 'meeting', 'photo', 'tomorrow', 'payment', 'address'];
const BATCH = 5000;

/** mulberry32: small, fast and good enough to spread test data. */
function prng(seed: number): () => number {
  let state = (seed * 0x9e3779b1) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type ChatKind = 'direct' | 'group' | 'lid';

interface SeedChat {
  readonly jid: string;
  readonly kind: ChatKind;
  readonly name: string;
  /** Who writes in it (one contact, or a group's members). */
  readonly members: readonly { jid: string; name: string }[];
}

export class HistorySeeder {
  constructor(private readonly messages: MessageRepo, private readonly media: MediaStore) {}

  seed(slot: Slot, request: SeedRequest): SeedResult {
    const random = prng(request.seed + 1);
    const hex = (digits: number): string => {
      let out = '';
      while (out.length < digits) out += Math.floor(random() * 16).toString(16).toUpperCase();
      return out;
    };
    const chats = this.chats(request, random);
    const blobs = new Map<MediaKind, { name: string; size: number }>(MEDIA_KINDS.map((kind) => [kind, this.media.seedBlob(kind)]));
    const names = new Map(chats.map((chat) => [chat.jid, chat.name]));
    const step = (request.endMs - request.startMs) / request.messagesPerChat;
    let batch: StoredMessage[] = [];
    let total = 0;
    let media = 0;
    const flush = (): void => {
      this.messages.addMany(slot.id, batch, (m) => names.get(m.chatJid) ?? '');
      batch = [];
    };
    for (const chat of chats) {
      for (let k = 0; k < request.messagesPerChat; k++) {
        const at = new Date(Math.floor(request.startMs + (k + random()) * step));
        const fromMe = random() < request.fromMeRatio;
        const author = chat.members[Math.floor(random() * chat.members.length)] ?? { jid: chat.jid, name: chat.name };
        const text = `${WORDS[Math.floor(random() * WORDS.length)]} ${WORDS[Math.floor(random() * WORDS.length)]} #${k + 1}`;
        const message: StoredMessage = {
          id: fromMe ? `3EB0${hex(16)}` : `3A${hex(18)}`,
          chatJid: chat.jid,
          senderJid: fromMe ? slot.record.jid : author.jid,
          senderDisplayName: fromMe ? slot.record.displayName : author.name,
          content: text,
          timestampMs: at.getTime(),
          isFromMe: fromMe,
          mediaType: '', filename: '', url: '', fileLength: 0,
        };
        if (random() < request.mediaRatio) {
          const kind = MEDIA_KINDS[Math.floor(random() * MEDIA_KINDS.length)] ?? 'image';
          const blob = blobs.get(kind) ?? { name: '', size: 0 };
          const filename = kind === 'document' ? `document-${k + 1}.pdf` : generatedFilename(kind, at);
          Object.assign(message, {
            content: kind === 'audio' || kind === 'sticker' ? '' : text,
            mediaType: kind, filename, url: whatsappMediaUrl(), fileLength: blob.size, mimeType: mediaFormat(kind, filename).mime, blob: blob.name,
          });
          media += 1;
        }
        batch.push(message);
        total += 1;
        if (batch.length >= BATCH) flush();
      }
    }
    flush();
    return {
      chats: chats.length,
      messages: total,
      media,
      group_chats: chats.filter((chat) => chat.kind === 'group').length,
      lid_chats: chats.filter((chat) => chat.kind === 'lid').length,
      chat_jids: chats.map((chat) => chat.jid),
    };
  }

  /** Groups first, then `@lid`-only contacts, then phone contacts; JIDs derived from the seed and index. */
  private chats(request: SeedRequest, random: () => number): SeedChat[] {
    const groups = Math.round(request.chats * request.groupRatio);
    const lids = Math.min(request.chats - groups, Math.round(request.chats * request.lidRatio));
    const seed = String(request.seed).padStart(3, '0');
    const chats: SeedChat[] = [];
    for (let i = 0; i < request.chats; i++) {
      const n = String(i + 1).padStart(7, '0');
      if (i < groups) {
        const members = Array.from({ length: 3 + Math.floor(random() * 3) }, (_unused, m) => ({
          // Every third member is known to this number only by a LID.
          jid: m % 3 === 2 ? `3${seed}${n}${m}000@${LID_SERVER}` : `629${seed}${n}${m}@${USER_SERVER}`,
          name: `Member ${i + 1}.${m + 1}`,
        }));
        chats.push({ jid: `120363${seed}${n}00@${GROUP_SERVER}`, kind: 'group', name: `Seed Group ${i + 1}`, members });
      } else if (i < groups + lids) {
        const jid = `2${seed}${n}0000@${LID_SERVER}`;
        chats.push({ jid, kind: 'lid', name: `Seed LID Contact ${i + 1}`, members: [{ jid, name: `Seed LID Contact ${i + 1}` }] });
      } else {
        const jid = `628${seed}${n}@${USER_SERVER}`;
        chats.push({ jid, kind: 'direct', name: `Seed Contact ${i + 1}`, members: [{ jid, name: `Seed Contact ${i + 1}` }] });
      }
    }
    return chats;
  }
}
