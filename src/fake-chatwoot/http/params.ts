/**
 * Rails `params`: query string, body and path merged (path wins, then body), Rack's nested keys
 * (`a[b]=1`, `a[]=1`), and the casts ActiveRecord applies to what arrives as text (integers read a leading
 * number, booleans follow ActiveModel's false list).
 */
import type { FileUpload, Json, JsonObject } from '../domain/records.js';

export type Params = Record<string, unknown>;

/** Sets `key` (possibly `a[b][]`) in `target` as Rack does; a repeated plain key keeps the last value. */
export function setNested(target: Params, key: string, value: unknown): void {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) {
    target[key] = value;
    return;
  }
  const path = [match[1] ?? '', ...[...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? '')];
  let node: Params = target;
  for (let i = 0; i < path.length; i++) {
    const name = path[i] ?? '';
    const last = i === path.length - 1;
    const nextIsPush = path[i + 1] === '';
    if (last) {
      node[name] = value;
      return;
    }
    if (nextIsPush) {
      const list = Array.isArray(node[name]) ? (node[name] as unknown[]) : [];
      node[name] = list;
      if (i + 1 === path.length - 1) {
        list.push(value);
        return;
      }
      const item: Params = {};
      list.push(item);
      node = item;
      i++;
      continue;
    }
    const child = node[name];
    const obj: Params = child !== null && typeof child === 'object' && !Array.isArray(child) ? (child as Params) : {};
    node[name] = obj;
    node = obj;
  }
}

export function isFile(value: unknown): value is FileUpload {
  return value !== null && typeof value === 'object' && Buffer.isBuffer((value as FileUpload).data) && typeof (value as FileUpload).filename === 'string';
}

export function has(params: Params, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(params, key);
}

/** Text value (numbers and booleans written out); null and objects are not text. */
export function str(params: Params, key: string): string | undefined {
  const value = params[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Like str, but an explicit JSON null stays null. */
export function strOrNull(params: Params, key: string): string | null | undefined {
  return params[key] === null ? null : str(params, key);
}

/** For updates and optional fields: undefined when the key is absent, null when sent as null or not as text. */
export function optionalText(params: Params, key: string): string | null | undefined {
  return has(params, key) ? (strOrNull(params, key) ?? null) : undefined;
}

/** ActiveModel integer cast: a number, or text that starts with one. */
export function int(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string') {
    const match = /^\s*([+-]?\d+)/.exec(value);
    if (match?.[1]) return Number(match[1]);
  }
  return undefined;
}

const FALSE_VALUES = new Set([false, 0, '0', 'f', 'F', 'false', 'FALSE', 'off', 'OFF']);

/** ActiveModel boolean cast; blank is nil (undefined here). */
export function bool(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return !FALSE_VALUES.has(value as string | number | boolean);
}

/** A permitted hash (`custom_attributes: {}`): plain objects only, files dropped. */
export function obj(value: unknown): JsonObject | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isFile(value)) return undefined;
  return toJson(value) as JsonObject;
}

export function files(value: unknown): FileUpload[] {
  return Array.isArray(value) ? value.filter(isFile) : [];
}

function toJson(value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(toJson);
  if (isFile(value)) return value.filename;
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as Params).map(([k, v]) => [k, toJson(v)]));
  return null;
}
