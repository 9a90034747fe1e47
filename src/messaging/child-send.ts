import fs from 'node:fs';
import type { MessageRow } from '../db/schema.js';
import { ChildHttpError, type GowaClient } from '../gowa/client.js';
import type { MediaStore } from './media-store.js';
import type { MessagePayload } from './types.js';

/** How far before an attempt's start a copy may be stamped (WhatsApp's clock vs ours, whole-second stamps). */
const CLOCK_TOLERANCE_MS = 10_000;
const PAGE = 100;
const MAX_PAGES = 5;

/** One outbox row as the child's `/send/*` request (docs/binary-contract.md §7); resolves with WhatsApp's message id. */
export async function sendToChild(client: GowaClient, row: MessageRow, media: MediaStore, timeoutMs: number): Promise<string> {
  const p = row.payload as unknown as MessagePayload;
  const phone = row.recipient;
  if (row.kind === 'text') {
    return (await client.send('/send/message', { body: { phone, message: p.message ?? '' } }, timeoutMs)).message_id;
  }
  const route = row.kind === 'image' ? '/send/image' : '/send/file';
  const fields: Record<string, string> = { phone };
  if (p.caption) fields['caption'] = p.caption;
  if (row.kind === 'image') {
    if (p.viewOnce !== undefined) fields['view_once'] = String(p.viewOnce);
    if (p.compress !== undefined) fields['compress'] = String(p.compress);
  }
  if (!p.upload) {
    const urlField = row.kind === 'image' ? 'image_url' : 'file_url';
    const body: Record<string, unknown> = { ...fields, [urlField]: row.kind === 'image' ? p.imageUrl : p.fileUrl };
    if (row.kind === 'image') {
      if (p.viewOnce !== undefined) body['view_once'] = p.viewOnce;
      if (p.compress !== undefined) body['compress'] = p.compress;
    }
    return (await client.send(route, { body }, timeoutMs)).message_id;
  }
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const blob = await fs.openAsBlob(media.resolve(p.upload.path), { type: p.upload.mimeType });
  form.append(row.kind === 'image' ? 'image' : 'file', blob, p.upload.fileName);
  return (await client.send(route, { form }, timeoutMs)).message_id;
}

interface ChatMessage {
  readonly id: string;
  readonly content?: string;
  readonly media_type?: string;
  readonly is_from_me?: boolean;
  readonly timestamp?: string;
}

/**
 * After a crash or a timeout mid-send, look in the child's chat storage for the message: one from us to the same
 * chat, with the same text (or caption and media type), stamped after the attempt started, whose WhatsApp id no
 * other outbox row owns. Found → it was sent; not found → it was not (the binary stores what it sends).
 */
/** `500 INTERNAL_SERVER_ERROR "chat with JID … not found"`: the child's chat storage has no such chat. */
function isUnknownChat(err: unknown): boolean {
  return err instanceof ChildHttpError && err.status === 500 && /^chat with JID .* not found/.test(err.message);
}

export async function findSentCopy(
  client: GowaClient,
  row: MessageRow,
  attemptStartedAt: number,
  knownIds: (ids: string[]) => Set<string> | Promise<Set<string>>,
): Promise<{ id: string; at: number } | null> {
  const p = row.payload as unknown as MessagePayload;
  const content = row.kind === 'text' ? (p.message ?? '') : (p.caption ?? '');
  const mediaType = row.kind === 'image' ? 'image' : row.kind === 'file' ? 'document' : '';
  const startTime = new Date(attemptStartedAt - CLOCK_TOLERANCE_MS).toISOString();
  for (let page = 0; page < MAX_PAGES; page++) {
    let envelope: { results?: { data: ChatMessage[] | null } };
    try {
      envelope = await client.request<{ data: ChatMessage[] | null }>('GET', `/chat/${encodeURIComponent(row.recipient)}/messages`, {
        query: { is_from_me: 'true', start_time: startTime, limit: String(PAGE), offset: String(page * PAGE) },
        timeoutMs: 10_000,
      });
    } catch (err) {
      // The binary looks the chat up first (docs/binary-contract.md §7 "Chat"): a chat it has never stored means
      // nothing was ever sent to it, so no copy either.
      if (isUnknownChat(err)) return null;
      throw err;
    }
    const data = envelope.results?.data ?? [];
    const candidates = data.filter((m) => m.is_from_me !== false && (m.content ?? '') === content && (m.media_type ?? '') === mediaType);
    const taken = await knownIds(candidates.map((m) => m.id));
    // Oldest first: the copy closest to the attempt is the likeliest to be ours.
    const match = candidates.reverse().find((m) => !taken.has(m.id));
    if (match) {
      const at = match.timestamp ? Date.parse(match.timestamp) : NaN;
      return { id: match.id, at: Number.isFinite(at) ? at : attemptStartedAt };
    }
    if (data.length < PAGE) return null;
  }
  return null;
}
