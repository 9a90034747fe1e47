import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../lib/logger.js';
import type { StoredUpload } from './types.js';

/**
 * Uploaded files of queued messages: `<root>/<phone>/<message id>`, written before the API answers 202 and
 * deleted once the message is sent, failed or expired. Multer writes into `<root>/tmp` first; a file is adopted
 * (renamed, same file system) only once its message row exists. File names on disk never come from callers.
 */
export class MediaStore {
  readonly tmpDir: string;

  constructor(
    readonly root: string,
    private readonly logger: Logger,
  ) {
    this.tmpDir = path.join(root, 'tmp');
  }

  /** Boot: create the folders, drop half-finished uploads and files whose message is no longer pending. */
  prepare(pendingIds: ReadonlySet<string>): void {
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
    fs.mkdirSync(this.tmpDir, { recursive: true });
    for (const entry of fs.readdirSync(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === 'tmp') continue;
      const dir = path.join(this.root, entry.name);
      for (const file of fs.readdirSync(dir)) {
        if (!pendingIds.has(file)) fs.rmSync(path.join(dir, file), { force: true });
      }
    }
  }

  async adopt(tempPath: string, phoneNumber: string, messageId: string, meta: Omit<StoredUpload, 'path'>): Promise<StoredUpload> {
    const relative = path.join(phoneNumber, messageId);
    const target = this.resolve(relative);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.rename(tempPath, target);
    return { ...meta, path: relative };
  }

  /** Absolute path of a stored upload; refuses anything that would leave the media root. */
  resolve(relative: string): string {
    const absolute = path.resolve(this.root, relative);
    if (!absolute.startsWith(this.root + path.sep)) throw new Error('upload path outside the media folder');
    return absolute;
  }

  async remove(upload: StoredUpload | undefined): Promise<void> {
    if (!upload) return;
    try {
      await fs.promises.rm(this.resolve(upload.path), { force: true });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not delete a sent upload');
    }
  }

  async discardTemp(tempPath: string | undefined): Promise<void> {
    if (tempPath && path.dirname(path.resolve(tempPath)) === this.tmpDir) await fs.promises.rm(tempPath, { force: true });
  }
}
