/**
 * Checks every `/send/*` route runs after its required fields (the binary's validations package; wording
 * from reading it, unconfirmed against a running binary): the recipient in international format, and the
 * disappearing-message `duration` one of WhatsApp's four values.
 */
import { errors } from '../http/errors.js';
import type { TypedFields } from '../http/typed-fields.js';

const DURATIONS = [0, 86_400, 604_800, 7_776_000];

/** Returns the problem with a phone number, or '' (a leading `+` is allowed, a leading 0 is local format). */
export function phoneProblem(phone: string): string {
  const digits = phone.trim().replace(/^\+/, '');
  if (digits === '') return 'phone number cannot be empty';
  if (digits.startsWith('0')) {
    return 'phone number must be in international format (should not start with 0). For Indonesian numbers, use 62xxx format instead of 08xxx';
  }
  return '';
}

export function assertInternational(phone: string, prefix = ''): void {
  const problem = phoneProblem(phone);
  if (problem !== '') throw errors.validation(`${prefix}${problem}`);
}

export function assertDuration(fields: TypedFields): void {
  const duration = fields.optionalInt('duration');
  if (duration !== undefined && !DURATIONS.includes(duration)) {
    throw errors.validation('duration must be one of: 0 (no expiry), 86400 (24h), 604800 (7d), 7776000 (90d)');
  }
}
