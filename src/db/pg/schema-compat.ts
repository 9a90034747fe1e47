/** Postgres twin of src/db/schema-compat.ts (column meanings are written there; types mapped as ./schema-common.ts says). */
import { pgTable, text } from 'drizzle-orm/pg-core';
import type { EmpresaIdType } from '../schema-compat.js';
import { timestamps } from './schema-common.js';

export const compatTenants = pgTable('compat_tenants', {
  tenantId: text('tenant_id').primaryKey(),
  phoneNumber: text('phone_number').notNull().unique(),
  flaskUrl: text('flask_url'),
  empresaIdType: text('empresa_id_type').$type<EmpresaIdType>(),
  ...timestamps,
});
