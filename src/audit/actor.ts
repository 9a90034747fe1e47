import type { Principal } from '../auth/principal.js';
import type { AuditActor } from './audit-log.js';

/** Who an audit row names: a user, an API key (with its owner), the gateway, or nobody (a refused credential). */
export function actorOf(principal: Principal | undefined): AuditActor {
  if (!principal) return { type: 'anonymous', id: null, name: null, keyId: null };
  if (principal.kind === 'system') return { type: 'system', id: null, name: principal.name, keyId: null };
  return { type: principal.kind === 'key' ? 'api_key' : 'user', id: principal.user.id, name: principal.user.username, keyId: principal.kind === 'key' ? principal.use.key.id : null };
}
