import { sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { timestamps } from './schema-common.js';

export type EmpresaIdType = 'string' | 'number';

/**
 * The legacy tenant API's tenants (src/compat/, docs/compat.md): each tenant id of the Flask back end names one
 * number of the gateway. The number may still be pending (created before its phone was known); its key moves
 * with it when the phone pairs (NUMBER_TABLES).
 */
export const compatTenants = sqliteTable('compat_tenants', {
  /** The id the Flask app uses (`empresa_id`), as text: `1`, `365`, `acme`. */
  tenantId: text('tenant_id').primaryKey(),
  /** The number's key: a phone, or a pending id until its phone pairs. */
  phoneNumber: text('phone_number').notNull().unique(),
  /** This tenant's Flask base URL (`{flaskUrl}/webhook/whatsapp`); null = FLASK_URL. */
  flaskUrl: text('flask_url'),
  /** JSON type of `empresa_id` in its webhooks; null = COMPAT_EMPRESA_ID_TYPE. */
  empresaIdType: text('empresa_id_type').$type<EmpresaIdType>(),
  ...timestamps,
});

export type CompatTenantRow = typeof compatTenants.$inferSelect;
