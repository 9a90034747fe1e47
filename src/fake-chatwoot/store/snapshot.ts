/**
 * The optional state file (`--state-file`): the whole State as JSON, written atomically (temp file + rename)
 * after every request that may have changed it, and read back at start, so that a fake stopped and started
 * again (a real Chatwoot restart) still knows its contacts, conversations, messages and counters.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { State, type GlobalCounters } from './state.js';

const FORMAT = 1;
const TABLES = [
  'accounts', 'users', 'bots', 'tokens', 'inboxes', 'contactInboxes', 'conversations', 'attachments', 'webhooks',
  'contactInboxBySource',
] as const;

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (Buffer.isBuffer(raw)) return { $buffer: raw.toString('base64') };
  if (raw instanceof Map) return { $map: [...raw.entries()] };
  if (raw instanceof Set) return { $set: [...raw.values()] };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const tagged = value as { $buffer?: string; $map?: [unknown, unknown][]; $set?: unknown[] };
  if (typeof tagged.$buffer === 'string') return Buffer.from(tagged.$buffer, 'base64');
  if (Array.isArray(tagged.$map)) return new Map(tagged.$map);
  if (Array.isArray(tagged.$set)) return new Set(tagged.$set);
  return value;
}

export function serialise(state: State): string {
  const tables = Object.fromEntries(TABLES.map((name) => [name, state[name]]));
  return JSON.stringify({ format: FORMAT, next: state.next, tables }, replacer);
}

export function deserialise(text: string): State {
  const parsed = JSON.parse(text, reviver) as { format: number; next: GlobalCounters; tables: Record<string, Map<unknown, unknown>> };
  if (parsed.format !== FORMAT) throw new Error(`unsupported state file format ${String(parsed.format)}`);
  const state = new State(parsed.next);
  for (const name of TABLES) {
    const table = parsed.tables[name];
    if (!(table instanceof Map)) throw new Error(`state file: table ${name} is missing`);
    const target = state[name] as Map<unknown, unknown>;
    for (const [key, value] of table) target.set(key, value);
  }
  return state;
}

export class StateFile {
  constructor(readonly path: string) {}

  exists(): boolean {
    return existsSync(this.path);
  }

  load(): State {
    return deserialise(readFileSync(this.path, 'utf8'));
  }

  /** Synchronous on purpose: a fake killed right after answering must not lose what it answered. */
  save(state: State): void {
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, serialise(state));
    renameSync(temp, this.path);
  }
}
