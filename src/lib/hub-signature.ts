import { createHmac, timingSafeEqual } from 'node:crypto';

/** `X-Hub-Signature-256` value: `sha256=<lowercase hex HMAC-SHA256 of the exact body bytes>` (as GOWA and GitHub send). */
export function hubSignature(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of a `sha256=<hex>` header against the body and secret. */
export function verifyHubSignature(body: Buffer, header: string | undefined, secret: string): boolean {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header?.trim() ?? '');
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
