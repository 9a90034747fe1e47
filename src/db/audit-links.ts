import type { AuditLink } from './ports/audit.js';

/** After the commit, on either dialect: every link learns its row's id. */
export function announceCommitted(links: readonly AuditLink[], ids: readonly number[]): void {
  links.forEach((link, i) => link.committed(ids[i] as number));
}
