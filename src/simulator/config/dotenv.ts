/**
 * Parser for the `./.env` file the binary reads through viper (gotenv syntax): `KEY=value`, `KEY: value`,
 * optional `export `, `#` comments, single quotes (literal) and double quotes (with `\n`-style escapes).
 */
export function parseDotenv(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*)$/.exec(line);
    if (!match) continue;
    const key = match[1] ?? '';
    result.set(key, unquote(match[2] ?? ''));
  }
  return result;
}

function unquote(value: string): string {
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    const end = value.indexOf(quote, 1);
    const inner = end > 0 ? value.slice(1, end) : value.slice(1);
    return quote === "'" ? inner : inner.replace(/\\([nrt"\\])/g, (_m, ch: string) => ({ n: '\n', r: '\r', t: '\t' })[ch] ?? ch);
  }
  // Unquoted values end at an inline comment.
  return value.replace(/\s+#.*$/, '').trim();
}

/**
 * viper's `AllSettings()` as the binary prints it first on stdout: a Go map of the `.env` keys, lower-cased,
 * sorted, e.g. `map[app_port:3001 app_debug:true]`.
 */
export function goSettingsMap(dotenv: Map<string, string>): string {
  const entries = [...dotenv.entries()].map(([key, value]) => [key.toLowerCase(), value] as const);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${entries.map(([key, value]) => `${key}:${value}`).join(' ')}]`;
}
