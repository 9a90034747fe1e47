/**
 * ActiveStorage-style signed tokens: a blob's signed id (in `data_url`) and the short-lived storage URL token
 * the redirect points at. `base64url(JSON)--hex(HMAC-SHA256)`, verified on the way back in; an expired or
 * tampered token is a 404, as the real controllers answer.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface DiskGrant {
  readonly attachmentId: number;
  readonly disposition: 'inline' | 'attachment';
  readonly expiresAt: number;
}

export class BlobSigner {
  constructor(private readonly secret: string) {}

  signedId(attachmentId: number): string {
    return this.sign({ _rails: { data: attachmentId, pur: 'blob_id' } });
  }

  verifyId(token: string): number | undefined {
    const payload = this.verify(token) as { _rails?: { data?: unknown; pur?: unknown } } | undefined;
    const data = payload?._rails?.data;
    return payload?._rails?.pur === 'blob_id' && typeof data === 'number' ? data : undefined;
  }

  diskToken(grant: DiskGrant): string {
    return this.sign({ _rails: { data: grant, pur: 'blob_key' } });
  }

  verifyDisk(token: string, now: number): DiskGrant | undefined {
    const payload = this.verify(token) as { _rails?: { data?: DiskGrant; pur?: unknown } } | undefined;
    const grant = payload?._rails?.data;
    if (payload?._rails?.pur !== 'blob_key' || !grant || typeof grant.attachmentId !== 'number') return undefined;
    return grant.expiresAt >= now ? grant : undefined;
  }

  private sign(payload: unknown): string {
    const data = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${data}--${this.digest(data)}`;
  }

  private verify(token: string): unknown {
    const [data, digest] = token.split('--');
    if (!data || !digest) return undefined;
    const expected = Buffer.from(this.digest(data));
    const given = Buffer.from(digest);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      return JSON.parse(Buffer.from(data, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
  }

  private digest(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('hex');
  }
}
