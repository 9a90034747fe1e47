import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { GrantLevel, Scope } from '../domain/access.js';
import { devices, timestamps, users } from './schema.js';

/** Another user's access to one number (the owner and admins need none). Gone with the user or the number. */
export const numberGrants = sqliteTable(
  'number_grants',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    phoneNumber: text('phone_number')
      .notNull()
      .references(() => devices.phoneNumber, { onDelete: 'cascade' }),
    level: text('level').$type<GrantLevel>().notNull(),
    grantedBy: integer('granted_by'),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.userId, t.phoneNumber] }), index('number_grants_phone_idx').on(t.phoneNumber)],
);

/**
 * API keys: `wmg_<env>_<id>_<secret>`. Only HMAC-SHA256(pepper, secret) is stored (the pepper is in the config,
 * not here), so neither this table nor a backup of it can be turned back into a working key.
 */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    env: text('env').$type<'live' | 'test'>().notNull(),
    name: text('name').notNull(),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdBy: integer('created_by'),
    /** Hex HMAC of the current secret. */
    secretHash: text('secret_hash').notNull(),
    /** After a rotation: the old secret still works until `previousValidUntil`. */
    previousSecretHash: text('previous_secret_hash'),
    previousValidUntil: integer('previous_valid_until'),
    /** Last 4 characters of the current secret, shown in lists. */
    lastFour: text('last_four').notNull(),
    scopes: text('scopes', { mode: 'json' }).$type<Scope[]>().notNull(),
    /** `['*']` = every number the owner may see, now and later. */
    numbers: text('numbers', { mode: 'json' }).$type<string[]>().notNull(),
    allowedCidrs: text('allowed_cidrs', { mode: 'json' }).$type<string[]>(),
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    lastUsedIp: text('last_used_ip'),
    rotatedAt: integer('rotated_at'),
    revokedAt: integer('revoked_at'),
    revokedBy: integer('revoked_by'),
    ...timestamps,
  },
  (t) => [index('api_keys_owner_idx').on(t.ownerId)],
);

export type AuditActorType = 'user' | 'api_key' | 'system' | 'anonymous';
export type AuditResult = 'ok' | 'denied' | 'error';

/**
 * Append-only: one row per state-changing call, per refused attempt and per action the gateway takes by itself.
 * `hash` = SHA-256 over `prev_hash` and the row, so an edited or deleted row breaks the chain.
 */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    actorType: text('actor_type').$type<AuditActorType>().notNull(),
    actorId: integer('actor_id'),
    actorName: text('actor_name'),
    keyId: text('key_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    phoneNumber: text('phone_number'),
    params: text('params', { mode: 'json' }).$type<Record<string, unknown>>(),
    result: text('result').$type<AuditResult>().notNull(),
    httpStatus: integer('http_status'),
    errorCode: text('error_code'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_events_at_idx').on(t.at),
    index('audit_events_phone_idx').on(t.phoneNumber, t.id),
    index('audit_events_actor_idx').on(t.actorId, t.id),
  ],
);

export type GrantRow = typeof numberGrants.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type AuditRow = typeof auditEvents.$inferSelect;
