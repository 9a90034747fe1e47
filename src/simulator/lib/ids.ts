import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/** Identifiers shaped like the ones WhatsApp / whatsmeow hand out. */

export function upperHex(bytes: number): string {
  return randomBytes(bytes).toString('hex').toUpperCase();
}

/** whatsmeow `GenerateMessageID`: "3EB0" + 16 upper-case hex digits (20 characters). */
export function outgoingMessageId(): string {
  return `3EB0${upperHex(8)}`;
}

/** Ids of messages typed on a phone are longer upper-case hex strings (Android style). */
export function incomingMessageId(): string {
  return `3A${upperHex(9)}`;
}

export function uuid(): string {
  return randomUUID();
}

/** whatsmeow pairing codes use this 32-letter alphabet and are shown as `XXXX-XXXX`. */
const PAIR_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTVWXYZ';
export function pairCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += PAIR_ALPHABET[randomInt(PAIR_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** Random phone-like digits that never start with 0 (or with 999, the stand-in's "not on WhatsApp" prefix). */
export function randomPhoneDigits(length: number): string {
  let digits = String(randomInt(1, 9));
  while (digits.length < length) digits += String(randomInt(0, 10));
  return digits;
}

/** A payload shaped like a WhatsApp multi-device QR: `2@<ref>,<noise pub>,<identity pub>,<adv secret>`. */
export function qrPayload(): string {
  const b64 = (n: number): string => randomBytes(n).toString('base64');
  return `2@${b64(48)},${b64(32)},${b64(32)},${b64(32)}`;
}
