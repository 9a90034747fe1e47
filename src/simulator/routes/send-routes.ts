/**
 * `/send/message`, `/send/image`, `/send/file` (docs/binary-contract.md §7). Each runs: validation (400) →
 * client / login checks → account validation → media fetch → send. Validation texts follow the binary's ozzo
 * rules; the media-specific ones are from reading its validations package (wording unconfirmed).
 */
import type { Services } from '../app.js';
import { download } from '../core/download.js';
import { toJid } from '../core/phone.js';
import type { Outgoing } from '../core/sender.js';
import type { UploadedFile } from '../http/body.js';
import { fieldString } from '../http/body.js';
import type { Ctx } from '../http/context.js';
import { errors, validate } from '../http/errors.js';
import { sendOk } from '../http/respond.js';
import type { Router } from '../http/router.js';

interface MediaRoute {
  readonly route: string;
  readonly fileField: string;
  readonly urlField: string;
  /** How the binary names the pair in its "either … or …" message. */
  readonly label: string;
  readonly maxBytes: number;
  readonly mimes?: readonly string[];
  readonly noun: Outgoing['noun'];
  readonly mediaType: NonNullable<Outgoing['mediaType']>;
}

const IMAGE: MediaRoute = {
  route: '/send/image', fileField: 'image', urlField: 'image_url', label: 'Image', maxBytes: 20_000_000,
  mimes: ['image/jpeg', 'image/jpg', 'image/png'], noun: 'Message', mediaType: 'image',
};
const FILE: MediaRoute = {
  route: '/send/file', fileField: 'file', urlField: 'file_url', label: 'File', maxBytes: 50_000_000,
  noun: 'Document', mediaType: 'document',
};

export function registerSendRoutes(scoped: Router, services: Services): void {
  const { sender } = services;

  scoped.on('POST', '/send/message', async (ctx) => {
    const { fields } = await ctx.body();
    const phone = fieldString(fields, 'phone');
    const message = fieldString(fields, 'message');
    validate([[phone !== '', 'phone', 'cannot be blank'], [message !== '', 'message', 'cannot be blank']]);
    const jid = toJid(phone);
    sender.assertReady(ctx.slot);
    sender.assertRecipient(jid);
    const result = await sender.send(ctx.slot, { route: '/send/message', jid, noun: 'Message', message });
    sendOk(ctx.res, result.status, result);
  });

  scoped.on('POST', IMAGE.route, (ctx) => sendMedia(services, ctx, IMAGE));
  scoped.on('POST', FILE.route, (ctx) => sendMedia(services, ctx, FILE));
}

async function sendMedia(services: Services, ctx: Ctx, spec: MediaRoute): Promise<void> {
  const { sender } = services;
  const { fields, files } = await ctx.body();
  const phone = fieldString(fields, 'phone');
  validate([[phone !== '', 'phone', 'cannot be blank']]);
  const upload = files.get(spec.fileField);
  const url = fieldString(fields, spec.urlField);
  validateMediaInput(spec, upload, url);
  const jid = toJid(phone);
  sender.assertReady(ctx.slot);
  sender.assertRecipient(jid);
  const media = upload ?? (await fetchMedia(spec, url));
  const caption = fieldString(fields, 'caption') || undefined;
  const result = await sender.send(ctx.slot, {
    route: spec.route,
    jid,
    noun: spec.noun,
    caption,
    mediaType: spec.mediaType,
    filename: spec.mediaType === 'document' ? media.filename : undefined,
    size: media.data.length,
  });
  sendOk(ctx.res, result.status, result);
}

function validateMediaInput(spec: MediaRoute, upload: UploadedFile | undefined, url: string): void {
  if (!upload && url === '') throw errors.validation(`either ${spec.label} or ${spec.label}URL must be provided`);
  if (upload && url !== '') throw errors.validation(`cannot provide both ${spec.label} and ${spec.label}URL`);
  if (upload && spec.mimes && !spec.mimes.includes(upload.mimeType)) {
    throw errors.validation('your image is not allowed. please use jpg/jpeg/png');
  }
  if (upload && upload.data.length > spec.maxBytes) throw errors.validation(tooLarge(spec));
  if (url !== '' && !/^https?:\/\/[^\s/]+/i.test(url)) throw errors.validation(`${spec.label}URL must be a valid URL`);
}

function tooLarge(spec: MediaRoute): string {
  const mb = `${spec.maxBytes / 1_000_000}MB`;
  return `max file upload is ${mb}, please upload in cloud and send via text if your file is higher than ${mb}`;
}

async function fetchMedia(spec: MediaRoute, url: string): Promise<UploadedFile> {
  try {
    const fetched = await download(url, spec.maxBytes);
    return { filename: fetched.filename, mimeType: fetched.contentType, data: fetched.data };
  } catch (err) {
    throw errors.internal(`failed to download ${spec.label.toLowerCase()} from URL: ${(err as Error).message}`);
  }
}
