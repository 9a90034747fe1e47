import { defineConfig } from 'drizzle-kit';

/**
 * Distributed mode's Postgres tables: a dialect and a migration folder of their own (drizzle.config.ts is SQLite's).
 * Every schema file of src/db/pg/: the gateway's tables (twins of the SQLite ones) and the cluster's own.
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/db/pg/schema.ts', './src/db/pg/schema-access.ts', './src/db/pg/schema-cluster.ts'],
  out: './drizzle-postgres',
});
