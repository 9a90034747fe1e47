import { isRecipient } from '../domain/phone.js';

/**
 * A recipient as the outbox stores it: always a full JID, so the same person is one value whichever way a
 * caller wrote it. Digits (an optional leading +) become `<digits>@s.whatsapp.net`; a JID passes unchanged.
 */
export function recipientJid(input: string): string | null {
  const value = input.trim();
  if (!isRecipient(value)) return null;
  if (value.includes('@')) return value;
  return `${value.startsWith('+') ? value.slice(1) : value}@s.whatsapp.net`;
}
