/**
 * Whether a webhook subscribed to `patterns` wants an event of `type`. null or empty = every event. Patterns
 * match case-insensitively; a trailing `*` matches a prefix (`message.*`, `device.*`, `*`).
 */
export function acceptsEvent(patterns: readonly string[] | null | undefined, type: string): boolean {
  if (!patterns || patterns.length === 0) return true;
  const name = type.toLowerCase();
  return patterns.some((raw) => {
    const pattern = raw.trim().toLowerCase();
    return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
  });
}

/** `WEBHOOK_EVENTS=message,message.ack` → ['message', 'message.ack']; empty → null (every event). */
export function parseEventList(value: string | undefined): string[] | null {
  const list = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return list.length > 0 ? list : null;
}
