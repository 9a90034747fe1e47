import crypto from 'node:crypto';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { GatewayError, ValidationError } from '../../domain/errors.js';
import type { MediaStore } from '../../messaging/media-store.js';

/** The binary's own limits (docs/binary-contract.md §2): images 20 MB, files 50 MB. */
export const UPLOAD_LIMITS = { image: 20_000_000, file: 50_000_000 } as const;
export const IMAGE_TYPES = ['image/jpeg', 'image/jpg', 'image/png'];

/** What multer's own limits mean for the caller; every other parser failure is a malformed body. */
const LIMIT_MESSAGES: Partial<Record<multer.ErrorCode, string>> = {
  LIMIT_PART_COUNT: 'too many parts in the form',
  LIMIT_FIELD_KEY: 'a field name is too long',
  LIMIT_FIELD_VALUE: 'a field value is longer than 100000 bytes',
  LIMIT_FIELD_COUNT: 'more than 20 fields',
  LIMIT_FILE_COUNT: 'more than one file',
};

/**
 * multipart/form-data → the file on disk under the media tmp folder (streamed, never held in memory) and the text
 * fields in `req.body`, which the route registry converts to the body schema's types. JSON requests pass through.
 * Every temp file this request created (also one cut off by a broken form) is deleted when the response ends,
 * unless the route adopted it; a form the parser cannot read is the caller's fault: 400 MALFORMED_BODY.
 */
export function optionalUpload(media: MediaStore, field: 'image' | 'file'): RequestHandler {
  const created = new WeakMap<Request, string[]>();
  const upload = multer({
    storage: multer.diskStorage({
      destination: media.tmpDir,
      filename: (req, _file, cb) => {
        const name = crypto.randomUUID();
        created.get(req)?.push(path.join(media.tmpDir, name));
        cb(null, name);
      },
    }),
    limits: { fileSize: UPLOAD_LIMITS[field], files: 1, fields: 20, fieldSize: 100_000 },
  }).single(field);
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      next();
      return;
    }
    const temps: string[] = [];
    created.set(req, temps);
    res.on('close', () => {
      for (const temp of temps) void media.discardTemp(temp);
    });
    upload(req, res, (err: unknown) => {
      if (err) next(uploadError(err, field));
      else next();
    });
  };
}

function uploadError(err: unknown, field: 'image' | 'file'): GatewayError {
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') return new GatewayError('PAYLOAD_TOO_LARGE', `${field} is larger than ${UPLOAD_LIMITS[field] / 1_000_000} MB`);
    if (err.code === 'LIMIT_UNEXPECTED_FILE') return new ValidationError([{ field: err.field ?? field, message: `is not a file field of this route (the file goes in \`${field}\`)` }]);
    return new GatewayError('MALFORMED_BODY', `malformed multipart form: ${LIMIT_MESSAGES[err.code] ?? err.message}`);
  }
  // busboy's own words ("Unexpected end of form", "Malformed part header", "Multipart: Boundary not found")
  // describe the form's structure and never echo its content.
  return new GatewayError('MALFORMED_BODY', `malformed multipart form: ${err instanceof Error ? err.message : 'unreadable'}`, undefined, { cause: err });
}
