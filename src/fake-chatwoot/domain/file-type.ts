/**
 * `file_type` of an uploaded attachment, from the part's Content-Type exactly as `FileTypeHelper` compares it
 * (no lower-casing, no parameter stripping): anything outside the lists, `image/heic` and `video/3gpp`
 * included, is a `file`.
 */
import type { FileType } from './records.js';

const IMAGE = new Set(['image/jpeg', 'image/jpg', 'image/png', 'image/gif', 'image/bmp', 'image/webp']);
const VIDEO = new Set(['video/ogg', 'video/mp4', 'video/webm', 'video/quicktime']);

export function fileTypeFor(contentType: string): FileType {
  if (IMAGE.has(contentType)) return 'image';
  if (VIDEO.has(contentType)) return 'video';
  if (contentType.includes('audio/')) return 'audio';
  return 'file';
}
