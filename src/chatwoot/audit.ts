import { actorOf } from '../audit/actor.js';
import type { AuditEntry, AuditLog } from '../audit/audit-log.js';
import type { AuditLink } from '../db/ports/audit.js';
import type { SystemPrincipal } from '../auth/principal.js';

/**
 * The bridge acts as the gateway itself (a system principal, as the supervisor and the jobs do): it reads the store
 * for a binding that was authorised when it was made, and what it does on Chatwoot's word — an agent's reply
 * queued, a command run — is audited under this actor, with who asked in Chatwoot in the row's parameters.
 */
export const BRIDGE_PRINCIPAL: SystemPrincipal = Object.freeze({ kind: 'system', name: 'chatwoot-bridge' });

/** Where a webhook came from, for its audit rows (set by the audit trail on the request). */
export interface RequestFacts {
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
}

export const NO_REQUEST: RequestFacts = Object.freeze({ ip: null, userAgent: null, requestId: null });

/** One audit row of the bridge's, for the store to write in the change's own transaction. */
export function bridgeLink(audit: AuditLog, facts: RequestFacts, entry: Omit<AuditEntry, 'actor' | 'ip' | 'userAgent' | 'requestId'>): AuditLink {
  return audit.link({ actor: actorOf(BRIDGE_PRINCIPAL), ...facts, ...entry });
}

/** One audit row of the bridge's about something already done, in a transaction of its own. */
export function appendBridge(audit: AuditLog, facts: RequestFacts, entry: Omit<AuditEntry, 'actor' | 'ip' | 'userAgent' | 'requestId'>): Promise<number> {
  return audit.append({ actor: actorOf(BRIDGE_PRINCIPAL), ...facts, ...entry });
}
