/** The separate storage origin (an "S3" on another host:port): only the disk service, nothing else. */
import type { RequestListener } from 'node:http';
import { writeReply } from '../http/reply.js';
import { diskReply, type StorageDeps } from './storage-routes.js';

const DISK = /^\/rails\/active_storage\/disk\/([^/]+)\/[^/]+$/;

export function storagePipeline(deps: StorageDeps): RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://storage').pathname;
    const match = DISK.exec(path);
    const reply = req.method === 'GET' || req.method === 'HEAD' ? (match?.[1] ? diskReply(deps, decodeURIComponent(match[1])) : { status: 404 }) : { status: 405 };
    writeReply(res, reply, false);
  };
}
