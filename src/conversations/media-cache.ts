import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';

export interface MediaCacheSettings {
  /** MEDIA_CACHE_MAX_MB in bytes; 0 = keep nothing beyond the request that fetched it. */
  readonly maxBytes: number;
  /** MEDIA_CACHE_MAX_AGE in ms: a file not read for this long is removed. */
  readonly maxAgeMs: number;
}

export interface CachedFile {
  readonly file: string;
  readonly size: number;
  /** The type the child served it with (when it said). */
  readonly mime: string | null;
}

interface Entry extends CachedFile {
  lastUsed: number;
}

/**
 * Files fetched from the children, on disk under `<DATA_DIR>/media-cache/<number>/<hash of the message id>`,
 * bounded by total size (least recently used out first) and by age since last use. The index is rebuilt from
 * the folder at start; the names carry no caller input (a hash), and the number is checked digits.
 */
export class MediaCache {
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(
    private readonly root: string,
    private readonly settings: MediaCacheSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Read what a previous run left (file times stand in for the last use). */
  load(): void {
    fs.mkdirSync(this.root, { recursive: true });
    for (const phone of fs.readdirSync(this.root)) {
      if (!/^[0-9]{8,15}$/.test(phone)) continue;
      for (const name of fs.readdirSync(path.join(this.root, phone))) {
        const file = path.join(this.root, phone, name);
        if (name.endsWith('.part')) {
          fs.rmSync(file, { force: true });
          continue;
        }
        const stat = fs.statSync(file);
        this.entries.set(`${phone}/${name}`, { file, size: stat.size, mime: null, lastUsed: stat.mtimeMs });
        this.total += stat.size;
      }
    }
    this.sweep();
  }

  get(phoneNumber: string, id: string): CachedFile | null {
    const key = this.keyOf(phoneNumber, id);
    const entry = this.entries.get(key);
    if (!entry) return null;
    const now = this.clock.now();
    if (now - entry.lastUsed > this.settings.maxAgeMs || !fs.existsSync(entry.file)) {
      this.drop(key);
      return null;
    }
    entry.lastUsed = now;
    // Re-inserted last: the Map's order is the least-recently-used order eviction walks.
    this.entries.delete(key);
    this.entries.set(key, entry);
    fs.utimes(entry.file, new Date(now), new Date(now), () => undefined);
    return entry;
  }

  /** Write a stream to the cache (a temporary file renamed into place when complete). */
  async put(phoneNumber: string, id: string, body: Readable, mime: string | null): Promise<CachedFile> {
    const key = this.keyOf(phoneNumber, id);
    const dir = path.join(this.root, phoneNumber);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(this.root, key);
    const part = `${file}.${crypto.randomUUID()}.part`;
    try {
      await pipeline(body, fs.createWriteStream(part));
      fs.renameSync(part, file);
    } catch (err) {
      fs.rmSync(part, { force: true });
      throw err;
    }
    const size = fs.statSync(file).size;
    this.drop(key, false);
    const entry: Entry = { file, size, mime, lastUsed: this.clock.now() };
    this.entries.set(key, entry);
    this.total += size;
    this.sweep(key);
    return entry;
  }

  /** Once the caller has read a file the cache could not keep (over the size bound), it goes. */
  release(phoneNumber: string, id: string): void {
    const key = this.keyOf(phoneNumber, id);
    if (this.total > this.settings.maxBytes && this.entries.has(key)) this.drop(key);
  }

  /** Expired files, then the least recently used until the total fits (never `keep`, being served now). */
  sweep(keep?: string): number {
    const now = this.clock.now();
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (key === keep) continue;
      if (now - entry.lastUsed > this.settings.maxAgeMs || this.total > this.settings.maxBytes) {
        this.drop(key);
        removed++;
      }
    }
    return removed;
  }

  forget(phoneNumber: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(`${phoneNumber}/`)) this.drop(key, false);
    fs.rmSync(path.join(this.root, phoneNumber), { recursive: true, force: true });
  }

  get sizeBytes(): number {
    return this.total;
  }

  private keyOf(phoneNumber: string, id: string): string {
    if (!/^[0-9]{8,15}$/.test(phoneNumber)) throw new Error('media cache: not a phone number');
    return `${phoneNumber}/${crypto.createHash('sha256').update(id).digest('hex').slice(0, 40)}`;
  }

  private drop(key: string, removeFile = true): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.size;
    if (removeFile) {
      fs.rm(entry.file, { force: true }, (err) => {
        if (err) this.logger.warn({ err, file: entry.file }, 'could not remove a cached media file');
      });
    }
  }
}
