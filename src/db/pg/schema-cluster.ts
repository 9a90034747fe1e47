/**
 * Distributed mode's own tables (Postgres only; docs/cluster.md). Migrations: drizzle-postgres/, generated with
 * `npm run db:generate:pg` and applied at start by src/db/pg/migrate.ts. Every time in them is the database's
 * `now()`: no node's clock judges a lease.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const VERSION_CHECK = "~ '^[0-9]+\\.[0-9]+\\.[0-9]+$'";
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** One row per node (DM-5): its lease, renewed by heartbeats matched on node_id and incarnation. */
export const nodes = pgTable(
  'nodes',
  {
    nodeId: text('node_id').primaryKey(),
    /** A fresh uuid per join: a second process with the same NODE_ID, or this one after fencing itself, is another incarnation. */
    incarnation: uuid('incarnation').notNull(),
    advertiseUrl: text('advertise_url').notNull(),
    capacity: integer('capacity').notNull(),
    /** The binary's version on this node (DM-11: numbers migrated by a newer one never land here). */
    gowaVersion: text('gowa_version').notNull(),
    joinedAt: at('joined_at').notNull(),
    renewedAt: at('renewed_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    /** Draining (SIGTERM) or left: counts for no fair share and claims nothing. */
    draining: boolean('draining').notNull().default(false),
  },
  (t) => [check('nodes_gowa_version_format', sql.raw(`${t.gowaVersion.name} ${VERSION_CHECK}`)), check('nodes_capacity_positive', sql`${t.capacity} > 0`)],
);

/**
 * One row per number (DM-8). It is owned iff node_id/node_incarnation point at a live `nodes` row; `fence` grows
 * by one at every claim and every write about the number checks it (DM-17).
 */
export const assignments = pgTable(
  'assignments',
  {
    phoneNumber: text('phone_number').primaryKey(),
    nodeId: text('node_id'),
    nodeIncarnation: uuid('node_incarnation'),
    fence: bigint('fence', { mode: 'number' }).notNull().default(0),
    desiredState: text('desired_state').$type<'running' | 'stopped'>().notNull().default('running'),
    /** The newest binary that has opened this number's session store (its schema cannot go back). */
    minGowaVersion: text('min_gowa_version').notNull().default('0.0.0'),
    claimedAt: at('claimed_at'),
    /** The last hand-over (drain or rebalance): the releasing node does not take it back within the cooldown. */
    releasedAt: at('released_at'),
    releasedBy: text('released_by'),
    /** Set while the number is crash-looped to `failed` on its node: rebalancing never moves it. */
    failedAt: at('failed_at'),
    /**
     * The number key its session store (role and schema `wa_<key>`) is named after, when not `phone_number`: a
     * pending number bound to its phone keeps the store it paired in (src/cluster/number-rename.ts).
     */
    storeKey: text('store_key'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('assignments_owner').on(t.nodeId, t.nodeIncarnation),
    check('assignments_owner_pair', sql`(${t.nodeId} IS NULL) = (${t.nodeIncarnation} IS NULL)`),
    check('assignments_desired_state', sql`${t.desiredState} IN ('running', 'stopped')`),
    check('assignments_min_gowa_version_format', sql.raw(`${t.minGowaVersion.name} ${VERSION_CHECK}`)),
  ],
);

/** Every change of owner, for the cluster view and the figures: a claim (to_node set) or a release (to_node null). */
export const ownershipMoves = pgTable(
  'ownership_moves',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    phoneNumber: text('phone_number').notNull(),
    fromNode: text('from_node'),
    toNode: text('to_node'),
    /** The fence after the move (a release keeps the fence of the claim it ends). */
    fence: bigint('fence', { mode: 'number' }).notNull(),
    reason: text('reason').$type<MoveReason>().notNull(),
    at: at('at').notNull().defaultNow(),
  },
  (t) => [index('ownership_moves_number').on(t.phoneNumber, t.id), index('ownership_moves_at').on(t.at)],
);

/** Claims: why the number was free. Releases: why it was handed over. */
export type MoveReason = 'new' | 'released' | 'expired' | 'orphaned' | 'drain' | 'rebalance' | 'abandoned';
