/**
 * The binary's settings (docs/binary-contract.md §2): cobra flag, environment key and default. Settings the
 * stand-in does not implement are still accepted so a gateway's command line never fails here when it would not
 * fail against the real binary.
 */
export type FlagKind = 'string' | 'bool' | 'list';

export interface FlagSpec {
  /** Long flag name; undefined for env-only settings. */
  readonly flag?: string;
  readonly short?: string;
  readonly env: string;
  readonly kind: FlagKind;
  readonly def: string | boolean;
  readonly usage: string;
}

const s = (flag: string | undefined, env: string, def: string, usage: string, short?: string): FlagSpec =>
  ({ flag, short, env, kind: 'string', def, usage });
const b = (flag: string, env: string, def: boolean, usage: string, short?: string): FlagSpec =>
  ({ flag, short, env, kind: 'bool', def, usage });
const l = (flag: string, env: string, usage: string, short?: string): FlagSpec =>
  ({ flag, short, env, kind: 'list', def: '', usage });

export const FLAG_SPECS: readonly FlagSpec[] = [
  s('port', 'APP_PORT', '3000', 'change port with --port <number> | example: --port=8080', 'p'),
  s('host', 'APP_HOST', '0.0.0.0', 'host to bind the server | example: --host=127.0.0.1', 'H'),
  b('debug', 'APP_DEBUG', false, 'hide or displaying log with --debug <true/false> | example: --debug=true', 'd'),
  s('os', 'APP_OS', 'GOWA', 'os name --os <string> | example: --os="Chrome"'),
  l('basic-auth', 'APP_BASIC_AUTH', 'basic auth credential | -b=yourUsername:yourPassword', 'b'),
  s('base-path', 'APP_BASE_PATH', '', 'base path for subpath deployment | example: --base-path="/gowa"'),
  l('trusted-proxies', 'APP_TRUSTED_PROXIES', 'trusted proxy IP ranges (CIDR)'),
  l('cors-allowed-origins', 'APP_CORS_ALLOWED_ORIGINS', 'allowed CORS origins (default any)'),
  b('ui-enabled', 'APP_UI_ENABLED', true, 'serve the dashboard at /'),
  b('ui-auto-update', 'APP_UI_AUTO_UPDATE', true, 'download the dashboard from GitHub at start'),
  s('ui-repo', 'APP_UI_REPO', 'aldinokemal/gowa-ui', 'GitHub repository of the dashboard'),
  s('ui-asset-name', 'APP_UI_ASSET_NAME', 'gowa-ui.html', 'dashboard asset name'),
  s('ui-update-interval', 'APP_UI_UPDATE_INTERVAL', '3h', 'dashboard update interval'),
  s('ui-asset-sha256', 'APP_UI_ASSET_SHA256', '', 'expected dashboard checksum'),
  s(undefined, 'APP_UI_GITHUB_TOKEN', '', 'GitHub token for the dashboard download'),
  b('mcp-enabled', 'MCP_ENABLED', true, 'serve MCP at {base}/mcp'),
  b('mcp-oauth-enabled', 'MCP_OAUTH_ENABLED', false, 'OAuth for /mcp'),
  s('mcp-oauth-issuer-url', 'MCP_OAUTH_ISSUER_URL', '', 'OAuth issuer URL'),
  s('mcp-oauth-resource-url', 'MCP_OAUTH_RESOURCE_URL', '', 'OAuth resource URL'),
  s('mcp-oauth-db-uri', 'MCP_OAUTH_DB_URI', 'file:storages/oauth.db', 'OAuth database URI'),
  s('db-uri', 'DB_URI', 'file:storages/whatsapp.db', 'the database uri to store the connection data'),
  s('db-keys-uri', 'DB_KEYS_URI', '', 'the database uri to store the keys'),
  s(undefined, 'CHAT_STORAGE_MAX_OPEN_CONNS', '5', 'chat storage pool size'),
  s('autoreply', 'WHATSAPP_AUTO_REPLY', '', 'auto reply when received message'),
  b('auto-mark-read', 'WHATSAPP_AUTO_MARK_READ', false, 'auto mark incoming messages as read'),
  b('auto-download-media', 'WHATSAPP_AUTO_DOWNLOAD_MEDIA', true, 'auto download media from incoming messages'),
  l('webhook', 'WHATSAPP_WEBHOOK', 'forward event to webhook | --webhook <string>', 'w'),
  s('webhook-secret', 'WHATSAPP_WEBHOOK_SECRET', 'secret', 'secure webhook request'),
  b('webhook-insecure-skip-verify', 'WHATSAPP_WEBHOOK_INSECURE_SKIP_VERIFY', false, 'skip TLS verification'),
  l('webhook-events', 'WHATSAPP_WEBHOOK_EVENTS', 'whitelist of webhook events (default all)'),
  l('webhook-ignore-jids', 'WHATSAPP_WEBHOOK_IGNORE_JIDS', 'JIDs whose events are not forwarded'),
  b('account-validation', 'WHATSAPP_ACCOUNT_VALIDATION', true, 'enable or disable account validation'),
  b('auto-reject-call', 'WHATSAPP_AUTO_REJECT_CALL', false, 'auto reject incoming calls'),
  s('presence-on-connect', 'WHATSAPP_PRESENCE_ON_CONNECT', 'unavailable', 'presence sent on connect'),
  s('whatsapp-proxy', 'WHATSAPP_PROXY', '', 'proxy for the WhatsApp socket'),
  b('presence-pulse-enabled', 'WHATSAPP_PRESENCE_PULSE_ENABLED', true, 'periodic available pulse'),
  s('presence-pulse-interval', 'WHATSAPP_PRESENCE_PULSE_INTERVAL', '24h', 'presence pulse interval'),
  s('presence-pulse-duration', 'WHATSAPP_PRESENCE_PULSE_DURATION', '5m', 'presence pulse duration'),
];

export function findLongFlag(name: string): FlagSpec | undefined {
  return FLAG_SPECS.find((spec) => spec.flag === name) ?? chatwootFlag(name);
}

export function findShortFlag(letter: string): FlagSpec | undefined {
  return FLAG_SPECS.find((spec) => spec.short === letter);
}

/**
 * The Chatwoot bridge has many `--chatwoot-*` flags whose full list docs/binary-contract.md does not give; any of
 * them is accepted (as a string, `--chatwoot-enabled` as a bool) and ignored, since no gateway relies on them.
 */
function chatwootFlag(name: string): FlagSpec | undefined {
  if (!name.startsWith('chatwoot-')) return undefined;
  const env = name.toUpperCase().replace(/-/g, '_');
  return name === 'chatwoot-enabled' ? b(name, env, false, 'Chatwoot bridge') : s(name, env, '', 'Chatwoot');
}

/** Go's strconv.ParseBool. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}
