/**
 * The attachment URLs Chatwoot hands out: `data_url` is an ActiveStorage **redirect** URL on FRONTEND_URL
 * (audio with `disposition=inline`), `thumb_url` a representation redirect for images and empty otherwise.
 */
import type { Attachment } from '../domain/records.js';
import type { BlobSigner } from './blob-signer.js';

/** What a representation's variation key looks like; the fake serves the original bytes. */
const THUMB_VARIATION = 'eyJfcmFpbHMiOnsiZGF0YSI6eyJyZXNpemVfdG9fZmlsbCI6WzI1MCwyNTBdfX19--thumb';

export class StorageUrls {
  constructor(
    private readonly signer: BlobSigner,
    /** FRONTEND_URL, known once the API port listens. */
    private readonly frontendUrl: () => string,
  ) {}

  dataUrl(attachment: Attachment): string {
    const base = `${this.frontendUrl()}/rails/active_storage/blobs/redirect/${this.signer.signedId(attachment.id)}/${encodeURIComponent(attachment.filename)}`;
    return attachment.fileType === 'audio' ? `${base}?disposition=inline` : base;
  }

  thumbUrl(attachment: Attachment): string {
    if (attachment.fileType !== 'image') return '';
    return `${this.frontendUrl()}/rails/active_storage/representations/redirect/${this.signer.signedId(attachment.id)}/${THUMB_VARIATION}/${encodeURIComponent(attachment.filename)}`;
  }
}
