import { createHmac, timingSafeEqual } from 'node:crypto';

/** `X-Hub-Signature-256` value: `sha256=<lowercase hex HMAC-SHA256 of the exact body bytes>` (as GOWA and GitHub send). */
export function hubSignature(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of a `sha256=<hex>` header against the body and secret. */
export function verifyHubSignature(body: Buffer, header: string | undefined, secret: string): boolean {
  return verifiedHubDigest(body, header, secret) !== null;
}

/**
 * The same check, returning the verified HMAC (raw bytes) or null. A keyed hash of the exact bytes, so it also
 * tells one body from another: callers use it to recognise a repeat without hashing the body a second time.
 */
export function verifiedHubDigest(body: Buffer, header: string | undefined, secret: string): Buffer | null {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header?.trim() ?? '');
  if (!match?.[1]) return null;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? expected : null;
}
