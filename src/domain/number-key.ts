import { parsePhoneNumber, PHONE_RULE, type PhoneNumber } from './phone.js';

/**
 * A number's key: its phone number (digits), or — for a number created before its phone is known — a pending id
 * `pending-` + 12 lower-case letters and digits. A phone is digits only, so the two can never collide; both are
 * safe as a session folder name, a URL segment and a log tag. When the phone pairs, the gateway renames the
 * number to its phone (docs/pending-numbers.md); the pending id stays on the row as `pendingId`.
 */
export type NumberKey = PhoneNumber | PendingId;
export type PendingId = string & { readonly __brand: 'PendingId' };

export const PENDING_PREFIX = 'pending-';
const PENDING = /^pending-[a-z0-9]{12}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export const NUMBER_KEY_RULE = `a phone number (${PHONE_RULE}), or the id of a number whose phone is not known yet (pending-…)`;

export function isPendingId(input: unknown): input is PendingId {
  return typeof input === 'string' && PENDING.test(input);
}

/** A phone number (normalised to digits) or a pending id; null for anything else. */
export function parseNumberKey(input: unknown): NumberKey | null {
  if (isPendingId(input)) return input;
  return parsePhoneNumber(input);
}

/** A fresh pending id from 12 random bytes (the caller supplies them: this folder has no Node built-ins). */
export function pendingIdFrom(random: Uint8Array): PendingId {
  if (random.length < 12) throw new Error('pendingIdFrom needs 12 random bytes');
  let id = PENDING_PREFIX;
  for (let i = 0; i < 12; i++) id += ALPHABET[(random[i] ?? 0) % ALPHABET.length];
  return id as PendingId;
}

/** `5511999999999:12@s.whatsapp.net` or `5511999999999@s.whatsapp.net` → `5511999999999`; null when it is no phone JID. */
export function phoneOfLoginJid(jid: string | null): PhoneNumber | null {
  const match = /^([0-9]+)(?::[0-9]+)?@s\.whatsapp\.net$/.exec(jid ?? '');
  return match ? parsePhoneNumber(match[1]) : null;
}
