import crypto from 'node:crypto';

/**
 * Credentials of other systems the gateway keeps (Chatwoot API tokens, webhook signing secrets) are stored
 * encrypted: AES-256-GCM under a key derived (HKDF-SHA256) from SECRETS_ENCRYPTION_KEY. A stored value names the
 * key it was made with, so a gateway started with another key says so instead of handing out garbage.
 * Format: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url).
 */
export class SecretBox {
  private readonly key: Buffer;
  readonly keyId: string;

  constructor(secret: string) {
    this.key = Buffer.from(crypto.hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'wa-multi-platform/secrets', 'v1', 32));
    this.keyId = crypto.createHash('sha256').update(this.key).digest('hex').slice(0, 8);
  }

  seal(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [version, keyId, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new SecretBoxError('not a sealed value');
    if (keyId !== this.keyId) throw new SecretBoxError('sealed with another SECRETS_ENCRYPTION_KEY than the one configured');
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new SecretBoxError('the sealed value was altered', { cause: err });
    }
  }
}

export class SecretBoxError extends Error {
  readonly code = 'SECRET_UNREADABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretBoxError';
  }
}
