/**
 * Listing and searching contacts, 15 per page, over **resolved** contacts only (a non-empty email, phone or
 * identifier). `search` is a substring match: ILIKE on name, email and phone, case-sensitive LIKE on
 * identifier, so callers must keep only exact matches themselves.
 */
import { errors } from '../domain/errors.js';
import { likeMatcher } from '../domain/like.js';
import type { Contact } from '../domain/records.js';
import type { Store } from '../store/store.js';

export const PER_PAGE = 15;

export interface Page<T> {
  readonly items: T[];
  readonly count: number;
  readonly page: number;
  readonly hasMore: boolean;
}

const filled = (value: string | null): boolean => value !== null && value !== '';

export function isResolved(contact: Contact): boolean {
  return filled(contact.email) || filled(contact.phoneNumber) || filled(contact.identifier);
}

export function paginate<T>(all: T[], page: number): Page<T> {
  const current = Number.isInteger(page) && page > 0 ? page : 1;
  const start = (current - 1) * PER_PAGE;
  return { items: all.slice(start, start + PER_PAGE), count: all.length, page: current, hasMore: start + PER_PAGE < all.length };
}

export class ContactSearch {
  constructor(private readonly store: Store) {}

  resolved(accountId: number): Contact[] {
    return [...this.store.state.account(accountId).contacts.values()].filter(isResolved).sort((a, b) => a.id - b.id);
  }

  list(accountId: number, page: number): Page<Contact> {
    return paginate(this.resolved(accountId), page);
  }

  search(accountId: number, q: string | undefined, page: number): Page<Contact> {
    const term = (q ?? '').trim();
    if (term === '') throw errors.unprocessable('Specify search string with parameter q');
    const ci = likeMatcher(`%${term}%`, true);
    const cs = likeMatcher(`%${term}%`, false);
    return paginate(this.resolved(accountId).filter((c) => ci(c.name) || ci(c.email) || ci(c.phoneNumber) || cs(c.identifier)), page);
  }
}
