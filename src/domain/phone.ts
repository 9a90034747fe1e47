/**
 * Phone numbers are the gateway's device key: they name session folders, URL paths and log tags,
 * so nothing that is not 8–15 digits may pass (this is what keeps `../../etc` out of file paths).
 */
export type PhoneNumber = string & { readonly __brand: 'PhoneNumber' };

const E164_DIGITS = /^[0-9]{8,15}$/;

export const PHONE_RULE = 'digits only, 8 to 15 of them, an optional leading +';

/** Returns the normalised number (digits only), or null when the input is not a phone number. */
export function parsePhoneNumber(input: unknown): PhoneNumber | null {
  if (typeof input !== 'string') return null;
  const trimmed = input.trim();
  const digits = trimmed.startsWith('+') ? trimmed.slice(1) : trimmed;
  return E164_DIGITS.test(digits) ? (digits as PhoneNumber) : null;
}

/** A WhatsApp recipient: plain digits become a user JID, a full JID passes through. */
const JID = /^[0-9]{5,20}(?:-[0-9]{5,15})?@(?:s\.whatsapp\.net|g\.us|lid|newsletter)$/;

export function isRecipient(input: string): boolean {
  const digits = input.startsWith('+') ? input.slice(1) : input;
  return E164_DIGITS.test(digits) || JID.test(input);
}

/** Keeps the numbers one reader may see, in order (built by the access policy's `filter` for that reader). */
export type NumberFilter = (phoneNumbers: readonly string[]) => string[];
