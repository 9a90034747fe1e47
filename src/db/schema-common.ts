import { sql } from 'drizzle-orm';
import { integer } from 'drizzle-orm/sqlite-core';

/** Milliseconds since the epoch, as SQLite computes it for column defaults. */
export const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const timestamps = {
  createdAt: integer('created_at').notNull().default(now),
  updatedAt: integer('updated_at').notNull().default(now),
};
