import { ClusterError } from './errors.js';

/** `postgres://user@host:port/db`: what a log line or an error may say about DATABASE_URL (no password, no query). */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
    return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL (not a URL)';
  }
}

const REFUSED = new Set([
  '28P01', // invalid_password
  '28000', // invalid_authorization_specification (no pg_hba entry, unknown role)
  '3D000', // invalid_catalog_name (no such database)
  '42501', // insufficient_privilege
]);

/**
 * A failed first connection, as an operator's error: which server, and whether it was unreachable or refused us.
 * The server's own message is kept (it names the role or database, never the password); the driver's error is not
 * attached as the cause, because some carry the connection string (Node's "Invalid URL" keeps its input).
 */
export function explainConnectError(err: unknown, url: string): ClusterError {
  const where = describeDatabaseUrl(url);
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  const serverSaid = err instanceof Error && REFUSED.has(code) ? err.message : '';
  if (serverSaid) {
    return new ClusterError('CLUSTER_DB_REFUSED', `Postgres at ${where} refused the connection: ${serverSaid} (check DATABASE_URL's user, password and database)`, { server: where, sqlState: code });
  }
  const reason = code || (err instanceof Error && /timeout/i.test(err.message) ? 'timeout' : 'no answer');
  return new ClusterError('CLUSTER_DB_UNREACHABLE', `Postgres at ${where} cannot be reached (${reason}); check DATABASE_URL's host and port and that the server runs`, { server: where, reason });
}
