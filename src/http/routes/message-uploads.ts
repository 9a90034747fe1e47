import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import multer from 'multer';
import { GatewayError, ValidationError } from '../../domain/errors.js';
import type { MediaStore } from '../../messaging/media-store.js';

/** The binary's own limits (docs/binary-contract.md §2): images 20 MB, files 50 MB. */
export const UPLOAD_LIMITS = { image: 20_000_000, file: 50_000_000 } as const;
export const IMAGE_TYPES = ['image/jpeg', 'image/jpg', 'image/png'];

/**
 * multipart/form-data → the file on disk under the media tmp folder (streamed, never held in memory) and the text
 * fields in `req.body`, so the route's zod schema validates both forms alike. JSON requests pass through. A temp
 * file the route did not adopt is deleted when the response ends.
 */
export function optionalUpload(media: MediaStore, field: 'image' | 'file'): RequestHandler {
  const upload = multer({
    storage: multer.diskStorage({
      destination: media.tmpDir,
      filename: (_req, _file, cb) => cb(null, crypto.randomUUID()),
    }),
    limits: { fileSize: UPLOAD_LIMITS[field], files: 1, fields: 20, fieldSize: 100_000 },
  }).single(field);
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      next();
      return;
    }
    res.on('close', () => void media.discardTemp(req.file?.path));
    upload(req, res, (err: unknown) => {
      if (!err) {
        next();
        return;
      }
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE') {
          next(new GatewayError('PAYLOAD_TOO_LARGE', `${field} is larger than ${UPLOAD_LIMITS[field] / 1_000_000} MB`));
        } else {
          next(new ValidationError([{ field: err.field ?? field, message: err.message }]));
        }
        return;
      }
      next(err);
    });
  };
}
