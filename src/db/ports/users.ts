import type { UserRow } from '../schema.js';
import type { AuditLink } from './audit.js';

export type NewUser = Pick<UserRow, 'username' | 'passwordHash' | 'role'>;
export type UserPatch = Partial<Pick<UserRow, 'role' | 'passwordHash' | 'disabledAt' | 'tokenGeneration'>>;

/**
 * Decides a change from the account as it is inside the write's transaction (locked there), and the number of
 * enabled admins then: the last-admin rule and the next token generation cannot race another writer. May throw
 * (nothing is written). Synchronous and pure: it runs inside the transaction.
 */
export type UserChange = (current: UserRow, enabledAdmins: number) => UserPatch;

/** Accounts on either dialect; the rules (passwords, roles, revocation) live in src/auth/accounts.ts. */
export interface UserStore {
  findByUsername(username: string): Promise<UserRow | undefined>;
  findById(id: number): Promise<UserRow | undefined>;
  /** By id. */
  list(): Promise<UserRow[]>;
  /** USER_EXISTS when the name is taken (also by a writer that got there first). */
  insert(user: NewUser, now: number, audit?: AuditLink): Promise<UserRow>;
  /** undefined (nothing written) when there is no such user. */
  update(id: number, change: UserChange, now: number, audit?: AuditLink): Promise<UserRow | undefined>;
}
