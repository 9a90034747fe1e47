/**
 * What the audit log keeps of a request's parameters: never a secret, never a message body. Secret-looking fields
 * become "[redacted]"; text content (message, caption, body…) becomes its length; URLs keep only their origin;
 * long values and deep structures are cut. The recipient (`to`) stays: "who sent what to whom" is the point.
 */
const SECRET = /pass(word)?|secret|token|authori[sz]ation|api[-_]?key|cookie|pepper|credential|signature/i;
const CONTENT = /^(message|caption|body|text|content|comment|description)$/i;
const MAX_STRING = 200;
const MAX_ITEMS = 50;
const MAX_DEPTH = 4;

export function redactParams(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return null;
  const out = redact(value, 0) as Record<string, unknown>;
  return Object.keys(out).length > 0 ? out : null;
}

function redact(value: unknown, depth: number, key = ''): unknown {
  if (key !== '' && SECRET.test(key)) return value === null || value === undefined ? value : '[redacted]';
  if (key !== '' && CONTENT.test(key) && typeof value === 'string') return { length: [...value].length };
  if (typeof value === 'string') return text(value);
  if (typeof value !== 'object' || value === null) return typeof value === 'function' ? undefined : value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => redact(item, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `… ${value.length - MAX_ITEMS} more`] : items;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, MAX_ITEMS)) {
    const redacted = redact(v, depth + 1, k);
    if (redacted !== undefined) out[k] = redacted;
  }
  return out;
}

function text(value: string): unknown {
  if (/^https?:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      // Only the origin: webhook URLs often carry their secret in the path (Slack, Discord) or the query.
      return `${url.protocol}//${url.host}`.slice(0, MAX_STRING);
    } catch {
      return { length: value.length };
    }
  }
  return value.length > MAX_STRING ? { length: value.length } : value;
}
