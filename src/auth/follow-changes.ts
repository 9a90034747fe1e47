import { followTable } from '../db/follow-changes.js';
import type { ChangedTable, ChangeSource } from '../db/ports/changes.js';
import type { Clock } from '../lib/clock.js';
import type { AccountService } from './accounts.js';
import type { ApiKeyService } from './api-keys.js';
import type { GrantService } from './grants.js';
import type { SessionService } from './sessions.js';

export interface FollowedAccess {
  readonly accounts: AccountService;
  readonly keys: ApiKeyService;
  readonly grants: GrantService;
  readonly signIns: SessionService;
}

/** Keeps the access area's memory (accounts, API keys, grants, live sign-in sessions) in step with other gateways' changes (db/follow-changes.ts). */
export function followAccessChanges(source: ChangeSource, access: FollowedAccess, clock: Clock, retryMs: number, onError: (err: unknown, table: ChangedTable) => void): () => void {
  const offs = [
    followTable(source, 'users', access.accounts, clock, retryMs, onError),
    followTable(source, 'api_keys', access.keys, clock, retryMs, onError),
    followTable(source, 'number_grants', access.grants, clock, retryMs, onError),
    followTable(source, 'auth_sessions', { refresh: (id) => access.signIns.reread(id) }, clock, retryMs, onError),
  ];
  return () => {
    for (const off of offs) off();
  };
}
