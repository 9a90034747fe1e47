import type { StoredMessageType } from '../db/schema.js';
import type { MediaMeta } from './types.js';

/** The binary's media fields (docs/binary-contract.md §10), in the order a payload is checked for them. */
export const MEDIA_KINDS = ['image', 'video', 'video_note', 'audio', 'document', 'sticker'] as const;

const DEFAULT_MIME: Record<string, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  video_note: 'video/mp4',
  audio: 'audio/ogg',
  sticker: 'image/webp',
  document: 'application/octet-stream',
};

const BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
  '3gp': 'video/3gpp',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  amr: 'audio/amr',
  wav: 'audio/wav',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  zip: 'application/zip',
};

/** A MIME type for a file of this kind, from its name when it has a known extension. */
export function mimeOf(kind: string, name: string | null | undefined): string {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(name ?? '')?.[1]?.toLowerCase();
  return (ext && BY_EXTENSION[ext]) || DEFAULT_MIME[kind] || 'application/octet-stream';
}

export function typeOfMedia(kind: string): StoredMessageType {
  if (kind === 'video_note') return 'video';
  return (['image', 'video', 'audio', 'document', 'sticker'] as const).find((k) => k === kind) ?? 'other';
}

const MAX_TEXT = 65_536;
const MAX_NAME = 256;

/**
 * Text as the store keeps it: control characters other than tab and newlines dropped (they would also break the
 * search snippets' markers), cut at 64 KiB; empty → null.
 */
export function cleanText(value: unknown, max = MAX_TEXT): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').slice(0, max);
  return clean === '' ? null : clean;
}

export const cleanName = (value: unknown): string | null => cleanText(value, MAX_NAME)?.trim() || null;

/** A child's `statics/media/…` path, and nothing that could walk out of it. */
export function mediaPath(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /^statics\/media\/[A-Za-z0-9._/-]{1,300}$/.test(value) && !value.includes('..') ? value : undefined;
}

export function httpUrl(value: unknown): string | undefined {
  return typeof value === 'string' && /^https?:\/\/\S{1,2000}$/.test(value) ? value : undefined;
}

export function media(kind: string, parts: { path?: string; url?: string; fileName?: string | null; size?: number | null; mime?: string | null }): MediaMeta {
  const name = parts.fileName ?? parts.path ?? null;
  return {
    kind,
    mime: parts.mime || mimeOf(kind, name),
    size: typeof parts.size === 'number' && Number.isFinite(parts.size) && parts.size >= 0 ? parts.size : null,
    ...(parts.path ? { path: parts.path } : {}),
    ...(parts.url ? { url: parts.url } : {}),
  };
}

/** A one-line preview of a message for chat lists (text, else a label for its kind). */
export function previewOf(type: StoredMessageType, text: string | null, fileName: string | null): string {
  if (text) return text.length > 120 ? `${text.slice(0, 119)}…` : text;
  if (fileName) return fileName;
  return type === 'revoked' ? 'message deleted' : type;
}
