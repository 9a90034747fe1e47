/**
 * Everything a child is told, by environment only (docs/binary-contract.md §1: env beats flags; no `.env` in its
 * folder).
 */
export interface ChildSettings {
  readonly port: number;
  readonly basicAuth: string;
  readonly os: string;
  readonly webhookUrl: string;
  readonly webhookSecret: string;
  readonly debug: boolean;
  /**
   * The whatsmeow session store; default the file in the child's folder. Distributed mode passes the number's
   * fenced Postgres URI (src/cluster/session-store.ts).
   */
  readonly storeUri?: string;
}

export const DEFAULT_STORE_URI = 'file:storages/whatsapp.db?_foreign_keys=on';

/**
 * A clean environment: only what the binary needs, so the gateway's own secrets (JWT secret, admin password)
 * never reach a child. PATH stays so the binary finds ffmpeg and, for the stand-in, node.
 */
export function buildChildEnv(settings: ChildSettings, inherited: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {
    APP_PORT: String(settings.port),
    APP_HOST: '127.0.0.1',
    APP_BASIC_AUTH: settings.basicAuth,
    APP_OS: settings.os,
    APP_DEBUG: settings.debug ? 'true' : 'false',
    DB_URI: settings.storeUri ?? DEFAULT_STORE_URI,
    WHATSAPP_WEBHOOK: settings.webhookUrl,
    WHATSAPP_WEBHOOK_SECRET: settings.webhookSecret,
    APP_UI_AUTO_UPDATE: 'false',
    MCP_ENABLED: 'false',
  };
  for (const key of ['PATH', 'LANG', 'TZ'] as const) {
    const value = inherited[key];
    if (value) env[key] = value;
  }
  // Knobs of the stand-in binary (tests and demo only); the real binary ignores unknown variables.
  for (const [key, value] of Object.entries(inherited)) {
    if (key.startsWith('SIM_') && value !== undefined) env[key] = value;
  }
  return env;
}
