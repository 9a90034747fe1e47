/** Postgres twin of src/db/schema-access.ts (column meanings are written there; types mapped as ./schema-common.ts says). */
import { index, json, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import type { GrantLevel, Scope } from '../../domain/access.js';
import type { AuditActorType, AuditResult } from '../schema-access.js';
import { int, serialId, timestamps } from './schema-common.js';
import { devices, users } from './schema.js';

export const numberGrants = pgTable(
  'number_grants',
  {
    userId: int('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    phoneNumber: text('phone_number')
      .notNull()
      .references(() => devices.phoneNumber, { onDelete: 'cascade' }),
    level: text('level').$type<GrantLevel>().notNull(),
    grantedBy: int('granted_by'),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.userId, t.phoneNumber] }), index('number_grants_phone_idx').on(t.phoneNumber)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    env: text('env').$type<'live' | 'test'>().notNull(),
    name: text('name').notNull(),
    ownerId: int('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdBy: int('created_by'),
    secretHash: text('secret_hash').notNull(),
    previousSecretHash: text('previous_secret_hash'),
    previousValidUntil: int('previous_valid_until'),
    lastFour: text('last_four').notNull(),
    scopes: json('scopes').$type<Scope[]>().notNull(),
    numbers: json('numbers').$type<string[]>().notNull(),
    allowedCidrs: json('allowed_cidrs').$type<string[]>(),
    expiresAt: int('expires_at'),
    lastUsedAt: int('last_used_at'),
    lastUsedIp: text('last_used_ip'),
    rotatedAt: int('rotated_at'),
    revokedAt: int('revoked_at'),
    revokedBy: int('revoked_by'),
    ...timestamps,
  },
  (t) => [index('api_keys_owner_idx').on(t.ownerId)],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: serialId('id'),
    at: int('at').notNull(),
    actorType: text('actor_type').$type<AuditActorType>().notNull(),
    actorId: int('actor_id'),
    actorName: text('actor_name'),
    keyId: text('key_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    phoneNumber: text('phone_number'),
    params: json('params').$type<Record<string, unknown>>(),
    result: text('result').$type<AuditResult>().notNull(),
    httpStatus: int('http_status'),
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
