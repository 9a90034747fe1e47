/**
 * Tables whose rows gateways keep in memory and another gateway may change (distributed mode): every committed
 * change of one of their rows is announced with its key (drizzle-postgres/0003_change_feed.sql and
 * 0004_compat_tenants_changes.sql). On a single host the gateway is its database's only writer and nothing is
 * announced.
 */
export const CHANGED_TABLES = ['devices', 'users', 'api_keys', 'number_grants', 'compat_tenants', 'auth_sessions'] as const;
export type ChangedTable = (typeof CHANGED_TABLES)[number];

/**
 * `key`: the changed row's key (its key columns joined by ':'), or null for "anything in the table may have
 * changed" (announced after the feed was re-opened, when whatever was announced meanwhile is unknown).
 */
export type ChangeListener = (key: string | null) => void;

export interface ChangeSource {
  /** Listen to one table's changes; answers the function that stops listening. */
  onChange(table: ChangedTable, listener: ChangeListener): () => void;
}
