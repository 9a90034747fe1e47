/**
 * Request bodies the way Rails parses them into params: JSON (a non-object JSON value lands under `_json`),
 * urlencoded and multipart forms with Rack's nested keys (`attachments[]` files become an array). A JSON
 * body that does not parse is a 400.
 */
import type { IncomingMessage } from 'node:http';
import { errors } from '../domain/errors.js';
import type { FileUpload } from '../domain/records.js';
import { setNested, type Params } from './params.js';

export const BODY_LIMIT = 100 * 1024 * 1024;

export class BodyTooLarge extends Error {}

export async function parseBody(req: IncomingMessage): Promise<Params> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) return parseMultipart(req);
  const raw = await readRaw(req);
  if (raw.length === 0) return {};
  if (/^(application\/json|text\/x-json|application\/jsonrequest)/.test(type)) {
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch {
      throw errors.badRequest();
    }
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Params) : { _json: value };
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const params: Params = {};
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) setNested(params, key, value);
    return params;
  }
  return {};
}

export function readRaw(req: IncomingMessage): Promise<Buffer> {
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

async function parseMultipart(req: IncomingMessage): Promise<Params> {
  if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) throw new BodyTooLarge();
  const { default: busboy } = await import('busboy');
  return new Promise((resolve, reject) => {
    const params: Params = {};
    let parser;
    try {
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fileSize: BODY_LIMIT } });
    } catch {
      reject(errors.badRequest());
      return;
    }
    const pendingFiles: Promise<void>[] = [];
    parser.on('field', (name, value) => setNested(params, name, value));
    parser.on('file', (name, stream, info) => {
      pendingFiles.push(new Promise((done) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('limit', () => reject(new BodyTooLarge()));
        stream.on('end', () => {
          const file: FileUpload = { filename: info.filename ?? '', contentType: info.mimeType, data: Buffer.concat(chunks) };
          setNested(params, name, file);
          done();
        });
      }));
    });
    parser.on('close', () => {
      void Promise.all(pendingFiles).then(() => resolve(params));
    });
    parser.on('error', () => reject(errors.badRequest()));
    req.pipe(parser);
  });
}
