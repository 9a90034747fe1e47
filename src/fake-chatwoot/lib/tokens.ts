/** Random identifiers in the formats Chatwoot uses: `has_secure_token` (base58, 24 chars) and UUIDs. */
import { randomBytes, randomUUID } from 'node:crypto';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** `SecureRandom.base58(24)`, what `has_secure_token` stores (inbox identifier, hmac_token, secret, pubsub_token). */
export function secureToken(length = 24): string {
  const bytes = randomBytes(length);
  let token = '';
  for (const byte of bytes) token += BASE58[byte % 58];
  return token;
}

export function uuid(): string {
  return randomUUID();
}
