/** `Contact` validations in the model's declaration order, with Rails' full messages. */
import { isE164, isEmail } from '../domain/contact-rules.js';
import type { ValidationFailure } from '../domain/errors.js';
import type { Contact } from '../domain/records.js';

export interface ContactFields {
  readonly name: string;
  readonly email: string | null;
  readonly phoneNumber: string | null;
  readonly identifier: string | null;
}

const present = (value: string | null): value is string => value !== null && value.trim() !== '';

export function validateContact(fields: ContactFields, others: Iterable<Contact>, selfId: number | null): ValidationFailure[] {
  const failures: ValidationFailure[] = [];
  const rivals = [...others].filter((c) => c.id !== selfId);
  if (present(fields.email)) {
    const email = fields.email.toLowerCase();
    if (rivals.some((c) => c.email !== null && c.email.toLowerCase() === email)) failures.push(['email', 'Email has already been taken']);
    if (!isEmail(fields.email)) failures.push(['email', 'Email Invalid email']);
  }
  if (present(fields.identifier) && rivals.some((c) => c.identifier === fields.identifier)) {
    failures.push(['identifier', 'Identifier has already been taken']);
  }
  if (present(fields.phoneNumber)) {
    if (rivals.some((c) => c.phoneNumber === fields.phoneNumber)) failures.push(['phone_number', 'Phone number has already been taken']);
    if (!isE164(fields.phoneNumber)) failures.push(['phone_number', 'Phone number should be in e164 format']);
  }
  if (fields.name.length > 255) failures.push(['name', 'Name is too long (maximum is 255 characters)']);
  return failures;
}

/** `prepare_email_attribute`: stored lower-cased and stripped. */
export function normaliseEmail(email: string | null): string | null {
  return email === null ? null : email.trim().toLowerCase();
}
