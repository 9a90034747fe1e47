/**
 * WhatsApp JIDs as the binary reports them (docs/binary-contract.md §10): people as `<digits>@s.whatsapp.net`
 * (or `@lid` when WhatsApp hides the number), groups as `<id>@g.us`. A chat id given by a caller is one of
 * those, or plain digits for a person.
 */
export type ChatKind = 'direct' | 'group';

const JID = /^[0-9A-Za-z._-]{1,64}@(s\.whatsapp\.net|c\.us|g\.us|lid|broadcast|newsletter)$/;
const DIGITS = /^\+?[0-9]{5,20}$/;

export const CHAT_ID_RULE = 'a JID such as 5511888888888@s.whatsapp.net, 120363…@g.us or 123…@lid, or the digits of a phone number';

export function isGroupJid(jid: string): boolean {
  return jid.endsWith('@g.us');
}

export function isLidJid(jid: string): boolean {
  return jid.endsWith('@lid');
}

export function isPhoneJid(jid: string): boolean {
  return jid.endsWith('@s.whatsapp.net');
}

export function chatKindOf(jid: string): ChatKind {
  return isGroupJid(jid) ? 'group' : 'direct';
}

/**
 * A JID in the one form the store keys chats by: lower-case server, no device part (`628…:12@s.whatsapp.net`
 * is the same person), `@c.us` (the old user server) as `@s.whatsapp.net`, digits as a phone JID. Null when
 * the input is not a JID.
 */
export function normalizeJid(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const value = input.trim();
  if (DIGITS.test(value)) return `${value.replace(/^\+/, '')}@s.whatsapp.net`;
  const at = value.lastIndexOf('@');
  if (at <= 0) return null;
  const user = value.slice(0, at).split(':')[0] ?? '';
  const server = value.slice(at + 1).toLowerCase();
  const jid = `${user}@${server === 'c.us' ? 's.whatsapp.net' : server}`;
  return JID.test(jid) ? jid : null;
}

/** The phone number (digits) of a phone JID, else null. */
export function phoneOfJid(jid: string): string | null {
  return isPhoneJid(jid) ? jid.slice(0, jid.indexOf('@')) : null;
}
