/**
 * Typed request fields as Go's binders read them into a request struct: a JSON value of the wrong type is
 * an unmarshal error (`json: cannot unmarshal number into Go struct field LocationRequest.latitude of type
 * string`), form values are strings parsed into the field's type. Most routes answer that with 500
 * INTERNAL_SERVER_ERROR and the text (the handler panics); the `/chat/*` routes with 400 BAD_REQUEST.
 */
import type { ParsedBody } from './body.js';
import { errors, type SimError } from './errors.js';

type GoType = 'string' | 'bool' | 'int' | '[]string';

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

export class TypedFields {
  constructor(
    private readonly body: ParsedBody,
    /** Go struct name, for the error text. */
    private readonly struct: string,
    /** `panic`: 500 with the binder text (most routes); `bad-request`: 400 `Invalid request body` (`/chat/*`). */
    private readonly mode: 'panic' | 'bad-request' = 'panic',
  ) {}

  string(key: string): string {
    const value = this.body.fields[key];
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    throw this.error(key, value, 'string');
  }

  bool(key: string): boolean {
    const value = this.body.fields[key];
    if (value === undefined || value === null || value === '') return false;
    if (typeof value === 'boolean') return value;
    if (!this.body.json && typeof value === 'string' && /^(1|t|true|0|f|false)$/i.test(value)) return /^(1|t|true)$/i.test(value);
    throw this.error(key, value, 'bool');
  }

  int(key: string): number {
    const value = this.body.fields[key];
    if (value === undefined || value === null || value === '') return 0;
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (!this.body.json && typeof value === 'string' && /^[-+]?\d+$/.test(value)) return Number(value);
    throw this.error(key, value, 'int');
  }

  /** Optional int (Go `*int`): undefined when the field is absent. */
  optionalInt(key: string): number | undefined {
    const value = this.body.fields[key];
    return value === undefined || value === null || value === '' ? undefined : this.int(key);
  }

  strings(key: string): string[] {
    const value = this.body.fields[key];
    if (value === undefined || value === null) return [];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
    if (!this.body.json && typeof value === 'string') return [value];
    throw this.error(key, value, '[]string');
  }

  private error(key: string, value: unknown, type: GoType): SimError {
    if (this.mode === 'bad-request') return errors.badRequest('Invalid request body');
    if (!this.body.json) return errors.internal(`failed to decode: schema: error converting value for "${key}"`);
    const element = Array.isArray(value) && type === '[]string';
    const kind = jsonKind(element ? (value as unknown[]).find((item) => typeof item !== 'string') : value);
    return errors.internal(`json: cannot unmarshal ${kind} into Go struct field ${this.struct}.${key} of type ${element ? 'string' : type}`);
  }
}
