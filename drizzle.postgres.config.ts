import { defineConfig } from 'drizzle-kit';

/** Distributed mode's Postgres tables: a dialect and a migration folder of their own (drizzle.config.ts is SQLite's). */
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/db/pg/schema-cluster.ts'],
  out: './drizzle-postgres',
});
