/**
 * Media as files. WhatsApp keeps a message's media on its servers; the stand-in keeps those bytes in
 * `storages/sim-media/` (never served). The binary writes copies under `statics/media/` (public at
 * `{base}/statics/…`): at once for incoming media when auto-download is on (`statics/media/<unix>-<uuid>.<ext>`,
 * the path in the webhook), and on `GET /message/{id}/download` (`statics/media/<chat user>/<YYYY-MM-DD>/…`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uuid } from '../lib/ids.js';

export const MEDIA_KINDS = ['image', 'video', 'audio', 'document', 'sticker', 'video_note'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

interface MediaSpec {
  readonly ext: string;
  readonly mime: string;
  /** Leading bytes of a real file of this type, so sniffers and content-type checks see the right kind. */
  readonly magic: Buffer;
}

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), ascii('ftypmp42'), Buffer.alloc(4), ascii('isommp42')]);

const SPECS: Record<MediaKind, MediaSpec> = {
  image: { ext: 'jpeg', mime: 'image/jpeg', magic: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), ascii('JFIF\0')]) },
  video: { ext: 'mp4', mime: 'video/mp4', magic: MP4 },
  video_note: { ext: 'mp4', mime: 'video/mp4', magic: MP4 },
  audio: { ext: 'ogg', mime: 'audio/ogg; codecs=opus', magic: ascii('OggS\0') },
  sticker: { ext: 'webp', mime: 'image/webp', magic: Buffer.concat([ascii('RIFF'), Buffer.alloc(4), ascii('WEBPVP8 ')]) },
  document: { ext: 'pdf', mime: 'application/pdf', magic: ascii('%PDF-1.4\n') },
};

const DOCUMENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  zip: 'application/zip',
};

export function isMediaKind(type: string): type is MediaKind {
  return (MEDIA_KINDS as readonly string[]).includes(type);
}

/** Extensions of the MIME types uploads come with (sent media keeps its own type). */
const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif',
  'video/mp4': 'mp4', 'video/x-matroska': 'mkv', 'video/avi': 'avi', 'video/x-msvideo': 'avi',
  'audio/ogg': 'ogg', 'audio/mpeg': 'mp3', 'audio/mp3': 'mp3', 'audio/aac': 'aac', 'audio/amr': 'amr', 'audio/wav': 'wav',
  'audio/x-wav': 'wav', 'audio/flac': 'flac', 'audio/m4a': 'm4a',
};

/**
 * Extension and MIME type of a kind; a document takes them from its file name, other kinds from `mime`
 * when it is a known upload type.
 */
export function mediaFormat(kind: MediaKind, filename = '', mime = ''): { ext: string; mime: string } {
  const bare = mime.split(';')[0]?.trim().toLowerCase() ?? '';
  if (kind !== 'document') return EXTENSIONS[bare] ? { ext: EXTENSIONS[bare], mime: bare } : SPECS[kind];
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(filename)?.[1]?.toLowerCase() ?? 'bin';
  return { ext, mime: DOCUMENT_TYPES[ext] ?? 'application/octet-stream' };
}

/** Stand-in content: the kind's magic bytes and a marker, padded or cut to `size` bytes when given. */
export function placeholderBytes(kind: MediaKind, size?: number): Buffer {
  const magic = kind === 'document' ? SPECS.document.magic : SPECS[kind].magic;
  const body = Buffer.concat([magic, ascii(`\nstand-in ${kind} placeholder\n`)]);
  if (size === undefined) return body;
  if (size <= body.length) return body.subarray(0, size);
  return Buffer.concat([body, Buffer.alloc(size - body.length, 0x2e)]);
}

/** The file name the binary's chat storage records for media that has none of its own. */
export function generatedFilename(kind: MediaKind, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return `${kind}_${stamp}.${SPECS[kind].ext}`;
}

/** A media URL shaped like WhatsApp's CDN links (never fetched). */
export function whatsappMediaUrl(): string {
  return `https://mmg.whatsapp.net/v/t62.7118-24/${uuid()}.enc?mms3=true`;
}

export class MediaStore {
  private readonly blobDir: string;

  constructor(private readonly staticsDir: string, storagesDir: string) {
    this.blobDir = join(storagesDir, 'sim-media');
    mkdirSync(this.blobDir, { recursive: true });
  }

  /** Keeps bytes "on WhatsApp's servers"; returns the blob name to store with the message. */
  putBlob(data: Buffer, ext: string): string {
    const name = `${uuid()}.${ext}`;
    writeFileSync(join(this.blobDir, name), data);
    return name;
  }

  /** One shared blob per kind for seeded history (thousands of rows must not mean thousands of files). */
  seedBlob(kind: MediaKind): { name: string; size: number } {
    const { ext } = mediaFormat(kind, 'seed.pdf');
    const name = `seed-${kind}.${ext}`;
    const data = placeholderBytes(kind, 2048);
    writeFileSync(join(this.blobDir, name), data);
    return { name, size: data.length };
  }

  blob(name: string): Buffer | undefined {
    if (name === '' || name.includes('/') || name.includes('\\')) return undefined;
    try {
      return readFileSync(join(this.blobDir, name));
    } catch {
      return undefined;
    }
  }

  /** Auto-download of incoming media: returns `statics/media/<unix>-<uuid>.<ext>`. */
  saveIncoming(data: Buffer, ext: string, at: Date): string {
    const name = `${Math.floor(at.getTime() / 1000)}-${uuid()}.${ext}`;
    writeFileSync(join(this.staticsDir, 'media', name), data);
    return `statics/media/${name}`;
  }

  /** `/message/{id}/download`: returns `statics/media/<chat user>/<YYYY-MM-DD>/<unix>-<uuid>.<ext>`. */
  saveDownload(data: Buffer, ext: string, chatUser: string, day: string): string {
    // A JID's user part is digits; anything else must not steer the path.
    const user = chatUser.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || '_';
    const folder = join(this.staticsDir, 'media', user, day);
    mkdirSync(folder, { recursive: true });
    const name = `${Math.floor(Date.now() / 1000)}-${uuid()}.${ext}`;
    writeFileSync(join(folder, name), data);
    return `statics/media/${user}/${day}/${name}`;
  }
}
