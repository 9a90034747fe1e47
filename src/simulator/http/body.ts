/**
 * Request bodies as Fiber binds them: JSON needs `Content-Type: application/json`; urlencoded and multipart
 * forms work too; anything else is a binder error. Bodies are capped at 100 MB like the binary's BodyLimit.
 */
import type { IncomingMessage } from 'node:http';
import { SimError } from './errors.js';

export const BODY_LIMIT = 100 * 1024 * 1024;

export interface UploadedFile {
  readonly filename: string;
  readonly mimeType: string;
  readonly data: Buffer;
}

export interface ParsedBody {
  readonly fields: Record<string, unknown>;
  readonly files: ReadonlyMap<string, UploadedFile>;
  /** True for a JSON body, whose values are typed; form values are always strings. */
  readonly json?: boolean;
}

/** The body could not be bound (unknown content type or unparsable content). */
export class BindError extends Error {}

export class BodyTooLarge extends SimError {
  constructor() {
    super(413, 'REQUEST_ENTITY_TOO_LARGE', 'Request Entity Too Large');
  }
}

export async function parseBody(req: IncomingMessage): Promise<ParsedBody> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) return parseMultipart(req);
  const raw = await readRaw(req);
  // Assumption (unconfirmed): an empty body binds to the zero value whatever its content type, so the
  // request reaches validation and gets the field errors rather than a binder error.
  if (raw.length === 0) return { fields: {}, files: new Map() };
  if (type.startsWith('application/json')) return { fields: parseJsonObject(raw), files: new Map(), json: true };
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return { fields: formFields(new URLSearchParams(raw.toString('utf8'))), files: new Map() };
  }
  throw new BindError('Unprocessable Entity');
}

function parseJsonObject(raw: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new BindError((err as Error).message);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BindError('json: cannot unmarshal non-object into Go value of type request');
  }
  return value as Record<string, unknown>;
}

function formFields(params: URLSearchParams): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    fields[key] = all.length === 1 ? all[0] : all;
  }
  return fields;
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function parseMultipart(req: IncomingMessage): Promise<ParsedBody> {
  if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) throw new BodyTooLarge();
  // Loaded on first use: most processes never receive a multipart body.
  const { default: busboy } = await import('busboy');
  return new Promise((resolve, reject) => {
    const fields: Record<string, unknown> = {};
    const files = new Map<string, UploadedFile>();
    let parser;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: BODY_LIMIT } });
    } catch (err) {
      reject(new BindError((err as Error).message));
      return;
    }
    parser.on('field', (name, value) => {
      const previous = fields[name];
      fields[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => reject(new BodyTooLarge()));
      stream.on('end', () => files.set(name, { filename: info.filename ?? '', mimeType: info.mimeType, data: Buffer.concat(chunks) }));
    });
    parser.on('close', () => resolve({ fields, files }));
    parser.on('error', (err: Error) => reject(new BindError(err.message)));
    req.pipe(parser);
  });
}

/** Form values are strings and JSON values are typed; handlers read them through these. */
export function fieldString(fields: Record<string, unknown>, key: string): string {
  const value = fields[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

export function fieldBool(fields: Record<string, unknown>, key: string): boolean {
  const value = fields[key];
  return value === true || value === 'true' || value === '1' || value === 'on';
}

export function fieldNumber(fields: Record<string, unknown>, key: string): number | undefined {
  const value = fields[key];
  if (value === undefined || value === null || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : NaN;
}

export function fieldStrings(fields: Record<string, unknown>, key: string): string[] {
  const value = fields[key];
  if (Array.isArray(value)) return value.map((item) => String(item));
  return typeof value === 'string' && value !== '' ? [value] : [];
}
