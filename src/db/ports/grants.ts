import type { GrantRow } from '../schema-access.js';
import type { AuditLink } from './audit.js';

export type GrantWrite = Pick<GrantRow, 'userId' | 'phoneNumber' | 'level' | 'grantedBy'>;

/**
 * Per-number grants, kept by either dialect. A grant goes with its user or its number (foreign key cascade). Each
 * write commits together with the audit row passed to it, if any.
 */
export interface GrantStore {
  /** Every grant, by user then number. */
  all(): Promise<GrantRow[]>;
  get(userId: number, phoneNumber: string): Promise<GrantRow | undefined>;
  /** Creates or changes the user's grant on the number (created time kept); a foreign key error when either is missing. */
  upsert(grant: GrantWrite, now: number, audit?: AuditLink): Promise<GrantRow>;
  /** Whether there was a grant to remove. */
  delete(userId: number, phoneNumber: string, audit?: AuditLink): Promise<boolean>;
}
