import type { Db } from './client.js';
import type { PgDb } from './pg/client.js';
import { PgActivityRepository } from './pg/repositories/activity.js';
import { PgApiKeyRepository } from './pg/repositories/api-keys.js';
import { PgAuthSessionRepository } from './pg/repositories/auth-sessions.js';
import { PgGrantRepository } from './pg/repositories/grants.js';
import { PgUserSettingsRepository } from './pg/repositories/user-settings.js';
import { PgUserRepository } from './pg/repositories/users.js';
import type { ActivityStore } from './ports/activity.js';
import type { ApiKeyStore } from './ports/api-keys.js';
import type { AuthSessionStore } from './ports/auth-sessions.js';
import type { GrantStore } from './ports/grants.js';
import type { UserSettingsStore } from './ports/user-settings.js';
import type { UserStore } from './ports/users.js';
import { ActivityRepository } from './repositories/activity.js';
import { ApiKeyRepository } from './repositories/api-keys.js';
import { AuthSessionRepository } from './repositories/auth-sessions.js';
import { GrantRepository } from './repositories/grants.js';
import { UserSettingsRepository } from './repositories/user-settings.js';
import { UserRepository } from './repositories/users.js';

/**
 * The access area's tables behind their ports, for one dialect. The audit log is not among them yet: areas still on
 * SQLite write its rows inside their own synchronous transactions (AuditLog.record), so it stays on each node's
 * SQLite until they pass links instead.
 */
export interface AccessStores {
  readonly users: UserStore;
  readonly apiKeys: ApiKeyStore;
  readonly grants: GrantStore;
  readonly signIns: AuthSessionStore;
  readonly activity: ActivityStore;
  readonly userSettings: UserSettingsStore;
}

export function sqliteAccessStores(db: Db): AccessStores {
  return {
    users: new UserRepository(db),
    apiKeys: new ApiKeyRepository(db),
    grants: new GrantRepository(db),
    signIns: new AuthSessionRepository(db),
    activity: new ActivityRepository(db),
    userSettings: new UserSettingsRepository(db),
  };
}

/** Distributed mode: every node reads and writes the same rows (its memory of them follows the change feed). */
export function pgAccessStores(db: PgDb): AccessStores {
  return {
    users: new PgUserRepository(db),
    apiKeys: new PgApiKeyRepository(db),
    grants: new PgGrantRepository(db),
    signIns: new PgAuthSessionRepository(db),
    activity: new PgActivityRepository(db),
    userSettings: new PgUserSettingsRepository(db),
  };
}
