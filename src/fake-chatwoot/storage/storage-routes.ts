/**
 * ActiveStorage endpoints: the blob and representation **redirects** that `data_url` / `thumb_url` point at
 * (3xx, status per knob, to the same host or to the separate storage origin) and the disk service that
 * serves the bytes behind a short-lived signed token. Anything unknown, expired or deleted is a bare 404.
 */
import type { Knobs } from '../config/knobs.js';
import type { Attachment } from '../domain/records.js';
import type { Reply } from '../http/reply.js';
import type { RouteCtx, RouteSpec } from '../http/router.js';
import { str } from '../http/params.js';
import type { Clock } from '../lib/time.js';
import type { Store } from '../store/store.js';
import type { BlobSigner } from './blob-signer.js';

export interface StorageDeps {
  readonly store: Store;
  readonly signer: BlobSigner;
  readonly knobs: () => Knobs;
  /** Base URL of the separate storage listener. */
  readonly storageUrl: () => string;
  readonly now: Clock;
}

const NOT_FOUND: Reply = { status: 404 };

function contentDisposition(disposition: string, filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|"/g, '_');
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function redirectReply(deps: StorageDeps, ctx: RouteCtx): Reply {
  const id = deps.signer.verifyId(str(ctx.params, 'signed_id') ?? '');
  const attachment = id === undefined ? undefined : deps.store.state.attachments.get(id);
  if (!attachment) return NOT_FOUND;
  const knobs = deps.knobs();
  const disposition = str(ctx.params, 'disposition') === 'attachment' ? 'attachment' : 'inline';
  const token = deps.signer.diskToken({ attachmentId: attachment.id, disposition, expiresAt: deps.now() + knobs.storage_url_ttl_ms });
  const base = knobs.redirect_target === 'storage_host' ? deps.storageUrl() : `http://${ctx.host}`;
  const query = new URLSearchParams({ content_type: attachment.contentType, disposition: contentDisposition(disposition, attachment.filename) });
  const location = `${base}/rails/active_storage/disk/${token}/${encodeURIComponent(attachment.filename)}?${query.toString()}`;
  return { status: knobs.redirect_status, headers: { Location: location }, contentType: 'text/html; charset=utf-8' };
}

export function diskReply(deps: StorageDeps, token: string): Reply {
  const grant = deps.signer.verifyDisk(token, deps.now());
  const attachment: Attachment | undefined = grant ? deps.store.state.attachments.get(grant.attachmentId) : undefined;
  if (!grant || !attachment || deps.knobs().blobs_missing) return NOT_FOUND;
  return {
    status: 200,
    body: attachment.data,
    contentType: attachment.contentType,
    headers: { 'Content-Disposition': contentDisposition(grant.disposition, attachment.filename) },
  };
}

export function storageRoutes(deps: StorageDeps): RouteSpec[] {
  return [
    {
      id: 'active_storage.blobs.redirect', method: 'GET', path: '/rails/active_storage/blobs/redirect/:signed_id/:filename', auth: 'public',
      handler: (ctx) => redirectReply(deps, ctx),
    },
    {
      id: 'active_storage.representations.redirect', method: 'GET', path: '/rails/active_storage/representations/redirect/:signed_id/:variation/:filename', auth: 'public',
      handler: (ctx) => redirectReply(deps, ctx),
    },
    {
      id: 'active_storage.disk.show', method: 'GET', path: '/rails/active_storage/disk/:token/:filename', auth: 'public',
      handler: (ctx) => diskReply(deps, str(ctx.params, 'token') ?? ''),
    },
  ];
}
