import type { IncomingMessage } from 'node:http';
import type { Principal } from '../auth/principal.js';
import type { StoredMessageRow } from '../db/schema.js';
import { GatewayError } from '../domain/errors.js';
import { ChildHttpError, type GowaClient } from '../gowa/client.js';
import type { MediaCache } from './media-cache.js';
import { mediaPath } from './message-parts.js';
import type { ConversationService } from './service.js';
import type { MediaMeta } from './types.js';

export interface MediaServiceDeps {
  readonly service: ConversationService;
  readonly cache: MediaCache;
  /** The number's child while its process runs, else null. */
  readonly child: (phoneNumber: string) => GowaClient | null;
  /** The number's process state, for the error when it is not running. */
  readonly stateOf: (phoneNumber: string) => string;
}

export interface MediaFile {
  readonly file: string;
  readonly size: number;
  readonly mime: string;
  readonly fileName: string | null;
  /** Call once the file has been sent (a file larger than the whole cache is removed then). */
  readonly done: () => void;
}

/**
 * A stored message's file, fetched from the number's child on first use and kept in the media cache: the path
 * the child reported (`statics/media/…`) when it still serves it, else the child downloads it from WhatsApp
 * again (`/message/{id}/download`). One fetch per message at a time, however many callers wait for it.
 */
export class MediaService {
  private readonly fetching = new Map<string, Promise<{ file: string; size: number; mime: string | null }>>();

  constructor(private readonly deps: MediaServiceDeps) {}

  async open(principal: Principal, id: string): Promise<MediaFile> {
    const row = await this.deps.service.message(principal, id, 'media:read');
    const media = row.media as MediaMeta | null;
    if (!media) throw new GatewayError('MEDIA_NOT_FOUND', `message ${id} has no media`);
    const cached = this.deps.cache.get(row.phoneNumber, row.id) ?? (await this.fetchOnce(row, media));
    const served = cached.mime && cached.mime !== 'application/octet-stream' && MIME.test(cached.mime) ? cached.mime : null;
    return {
      file: cached.file,
      size: cached.size,
      mime: served ?? (media.mime && MIME.test(media.mime) ? media.mime : 'application/octet-stream'),
      fileName: row.fileName,
      done: () => this.deps.cache.release(row.phoneNumber, row.id),
    };
  }

  private fetchOnce(row: StoredMessageRow, media: MediaMeta): Promise<{ file: string; size: number; mime: string | null }> {
    let pending = this.fetching.get(row.id);
    if (!pending) {
      pending = this.fetch(row, media).finally(() => this.fetching.delete(row.id));
      this.fetching.set(row.id, pending);
    }
    return pending;
  }

  private async fetch(row: StoredMessageRow, media: MediaMeta): Promise<{ file: string; size: number; mime: string | null }> {
    const client = this.deps.child(row.phoneNumber);
    if (!client) {
      throw new GatewayError('MEDIA_UNAVAILABLE', `the process of ${row.phoneNumber} is not running (state: ${this.deps.stateOf(row.phoneNumber)}): start it to fetch this file`, {
        state: this.deps.stateOf(row.phoneNumber),
      });
    }
    let body = media.path ? await served(client, media.path) : null;
    if (!body) {
      if (!row.waId) throw new GatewayError('MEDIA_NOT_FOUND', `message ${row.id} has not reached WhatsApp yet`);
      let path: string | undefined;
      try {
        path = mediaPath((await client.downloadMedia(row.waId, row.chatJid ?? row.chatKey)).file_path);
      } catch (err) {
        if (err instanceof ChildHttpError && (err.status === 404 || /not found|status code 404|does not contain/i.test(err.message))) throw gone(row);
        throw err;
      }
      if (!path) throw gone(row);
      body = await served(client, path);
      if (!body) throw gone(row);
    }
    const contentType = body.headers['content-type'];
    return this.deps.cache.put(row.phoneNumber, row.id, body, typeof contentType === 'string' ? contentType : null);
  }
}

/** A content type safe to pass on (the child's header, or one derived from a name): `type/subtype[; param=value]`. */
const MIME = /^[\w.+-]{1,64}\/[\w.+-]{1,128}(\s*;\s*[\w.+-]{1,32}=[\w.+"-]{1,64})*$/;

function gone(row: StoredMessageRow): GatewayError {
  return new GatewayError('MEDIA_GONE', `WhatsApp no longer has the file of message ${row.id}`);
}

/** The child's file at `path`, or null when it does not serve it (any status but 200). */
async function served(client: GowaClient, path: string): Promise<IncomingMessage | null> {
  const res = await client.openStatic(path);
  if (res.statusCode === 200) return res;
  res.resume();
  return null;
}
