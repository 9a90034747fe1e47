/** Recipient parsing as the binary does it (docs/binary-contract.md §7), and the stand-in's "is on WhatsApp" rule. */

export const USER_SERVER = 's.whatsapp.net';
export const GROUP_SERVER = 'g.us';
/** WhatsApp's "linked identity" addressing: `<15 digits>@lid`, used instead of the phone JID by newer clients. */
export const LID_SERVER = 'lid';

export const isGroupJid = (jid: string): boolean => jid.endsWith(`@${GROUP_SERVER}`);
export const isLidJid = (jid: string): boolean => jid.endsWith(`@${LID_SERVER}`);

/** `251556368777322` or `251556368777322@lid` → `251556368777322@lid`. */
export function toLid(value: string): string {
  const trimmed = value.trim();
  return trimmed.includes('@') ? trimmed : `${trimmed}@${LID_SERVER}`;
}

/** Digits get `@s.whatsapp.net` (or `@g.us` when longer than 15 characters); a full JID is kept. */
export function toJid(phone: string): string {
  const trimmed = phone.trim().replace(/^\+/, '');
  if (trimmed.includes('@')) return trimmed;
  return `${trimmed}@${trimmed.length > 15 ? GROUP_SERVER : USER_SERVER}`;
}

/** `628123:12@s.whatsapp.net` → `628123@s.whatsapp.net` (whatsmeow `ToNonAD`). */
export function nonAd(jid: string): string {
  const [userPart = '', server = USER_SERVER] = jid.split('@');
  return `${userPart.split(':')[0] ?? ''}@${server}`;
}

/**
 * Stand-in rule for whatsmeow's `IsOnWhatsApp`: a user JID whose number starts with 999 is not registered.
 * Groups and other servers are not checked, as in the binary.
 */
export function isOnWhatsApp(jid: string): boolean {
  const [userPart = '', server = ''] = jid.split('@');
  return server !== USER_SERVER || !userPart.startsWith('999');
}

export const LOGIN_PHONE = /^\+?[0-9]{1,15}$/;
