/** `{base}/statics/*`: files under `./statics`, served before basic auth (so QR PNGs are public). */
import { createReadStream, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.mp4': 'video/mp4',
  '.ogg': 'audio/ogg',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves the file and returns true, or returns false so the request falls through (as Fiber's static does). */
export function serveStatic(root: string, relative: string, method: string, res: ServerResponse): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const path = normalize(join(root, decodeSafe(relative)));
  if (!path.startsWith(root + sep)) return false;
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return false;
    size = stat.size;
  } catch {
    return false;
  }
  res.writeHead(200, { 'Content-Type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': size });
  if (method === 'HEAD') res.end();
  else createReadStream(path).pipe(res);
  return true;
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
