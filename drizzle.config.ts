import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: ['./src/db/schema.ts', './src/db/schema-access.ts', './src/db/schema-chatwoot.ts'],
  out: './drizzle',
});
