/** Contact validations of `app/models/contact.rb`, as Rails full messages. */

/** `\+[1-9]\d{1,14}\z`: anchored at the end only, exactly like the Ruby regex. */
const E164 = /\+[1-9]\d{1,14}$/;
/** Devise.email_regexp. */
const EMAIL = /^[^@\s]+@[^@\s]+$/;

export function isE164(phone: string): boolean {
  return E164.test(phone);
}

export function isEmail(email: string): boolean {
  return EMAIL.test(email);
}

/** `phone_number` as the filter service normalises a value: `+` and the digits. */
export function normalisePhone(value: string): string {
  return `+${value.replace(/\D/g, '')}`;
}
