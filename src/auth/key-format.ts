import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * `wmg_<env>_<keyId>_<secret>`: a prefix that secret scanners (and people) recognise, the environment, an 8-character
 * base32 id to find the key by, and 43 base62 characters (256 bits) of secret.
 */
export type KeyEnv = 'live' | 'test';
export interface ParsedKey {
  readonly env: KeyEnv;
  readonly id: string;
  readonly secret: string;
}

const KEY = /^wmg_(live|test)_([a-z2-7]{8})_([A-Za-z0-9]{43})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SECRET_LENGTH = 43;

export function looksLikeKey(token: string): boolean {
  return token.startsWith('wmg_');
}

export function parseKey(token: string): ParsedKey | null {
  const match = KEY.exec(token);
  if (!match?.[1] || !match[2] || !match[3]) return null;
  return { env: match[1] as KeyEnv, id: match[2], secret: match[3] };
}

export function formatKey(env: KeyEnv, id: string, secret: string): string {
  return `wmg_${env}_${id}_${secret}`;
}

/** 40 random bits as 8 base32 characters. */
export function newKeyId(): string {
  const bytes = randomBytes(5);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let id = '';
  for (let i = 7; i >= 0; i--) id += BASE32[Number((bits >> BigInt(i * 5)) & 31n)];
  return id;
}

/** 43 characters drawn uniformly from 62 (randomInt rejects bias): log2(62) × 43 ≈ 256 bits. */
export function newSecret(): string {
  let secret = '';
  for (let i = 0; i < SECRET_LENGTH; i++) secret += BASE62[randomInt(62)];
  return secret;
}

/**
 * HMAC-SHA256 under a pepper from the configuration: the database alone (or a stolen backup) cannot be used to check
 * guesses, and the secrets are long and random, so no slow hash is needed.
 */
export class SecretHasher {
  constructor(private readonly pepper: string) {}

  hash(secret: string): Buffer {
    return createHmac('sha256', this.pepper).update(secret).digest();
  }

  /** Constant time; both sides are 32-byte digests. */
  static same(a: Buffer, b: Buffer): boolean {
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
