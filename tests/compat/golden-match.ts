/**
 * Matching a legacy answer recorded in tests/compat/golden/ against ours: every key of the recorded body must be
 * there with the same value (extra keys of ours are allowed: the contract is additive); values the legacy server
 * made up per call are recorded as placeholders.
 */
const PLACEHOLDERS: Record<string, (value: unknown) => boolean> = {
  '<string>': (v) => typeof v === 'string' && v.length > 0,
  '<number>': (v) => typeof v === 'number' && Number.isFinite(v),
  '<boolean>': (v) => typeof v === 'boolean',
  '<iso>': (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v),
  '<array>': (v) => Array.isArray(v),
  '<object>': (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
};

/** `{id}` → the case's tenant id, `"{id:number}"` → it as a JSON number; in keys, values and paths alike. */
export function fill<T>(template: T, vars: Record<string, string>): T {
  const text = (s: string) => s.replace(/\{([A-Za-z]+)\}/g, (m, name: string) => vars[name] ?? m);
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const number = /^\{([A-Za-z]+):number\}$/.exec(value);
      if (number?.[1] && vars[number[1]] !== undefined) return Number(vars[number[1]]);
      return text(value);
    }
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), walk(v)]));
    return value;
  };
  return walk(template) as T;
}

/** What differs (empty = the answer keeps the recorded contract). */
export function mismatches(expected: unknown, actual: unknown, at = 'body'): string[] {
  if (typeof expected === 'string' && PLACEHOLDERS[expected]) return PLACEHOLDERS[expected](actual) ? [] : [`${at}: expected ${expected}, got ${JSON.stringify(actual)}`];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${at}: expected an array of ${expected.length}, got ${JSON.stringify(actual)}`];
    return expected.flatMap((item, i) => mismatches(item, actual[i], `${at}[${i}]`));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${at}: expected an object, got ${JSON.stringify(actual)}`];
    const object = actual as Record<string, unknown>;
    return Object.entries(expected).flatMap(([key, value]) => (key in object ? mismatches(value, object[key], `${at}.${key}`) : [`${at}.${key}: missing`]));
  }
  return Object.is(expected, actual) ? [] : [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}
