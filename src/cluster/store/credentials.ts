/**
 * A number's store password is derived, never stored: HMAC-SHA256(server secret, number key, fence). Every fence
 * has its own password, so moving the role to a new fence locks out every child started with an older one. The
 * server receives only a SCRAM-SHA-256 verifier, so the password never appears in its statement logs.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { SessionStoreError } from './errors.js';

const SCRAM_ITERATIONS = 4096;

export function checkSecret(secret: string | Buffer): void {
  if (Buffer.byteLength(secret) < 32) throw new SessionStoreError('STORE_SECRET_WEAK', 'the session store secret must be at least 32 bytes');
}

export function checkFence(fence: number): void {
  if (!Number.isSafeInteger(fence) || fence < 1) throw new SessionStoreError('STORE_FENCE_INVALID', 'fence must be a positive integer');
}

/** URL-safe, 43 characters. */
export function storePassword(secret: string | Buffer, numberKey: string, fence: number): string {
  return createHmac('sha256', secret).update(`wa-session-store\0${numberKey}\0${fence}`).digest('base64url');
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (RFC 5802/7677, as Postgres stores it). */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
