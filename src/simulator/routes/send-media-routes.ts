/**
 * `/send/image`, `/send/file`, `/send/video`, `/send/audio`, `/send/sticker` (docs/binary-contract.md §7): a multipart
 * upload or a `*_url` the binary downloads. Each runs: validation (400) → client / login checks → account
 * validation → media fetch → send. The texts follow the binary's validations package (read, unconfirmed).
 */
import type { Services } from '../app.js';
import { download } from '../core/download.js';
import type { MediaKind } from '../core/media.js';
import { toJid } from '../core/phone.js';
import type { UploadedFile } from '../http/body.js';
import type { Ctx } from '../http/context.js';
import { errors, validate } from '../http/errors.js';
import { sendOk } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { TypedFields } from '../http/typed-fields.js';
import { assertDuration, assertInternational } from './send-validation.js';

interface MediaRoute {
  readonly route: string;
  readonly kind: MediaKind;
  readonly struct: string;
  readonly fileField: string;
  readonly urlField: string;
  /** How the binary names the pair in its "either … or …" message. */
  readonly label: string;
  readonly maxBytes: number;
  /** Upload size check and its word ("file", "video"), where the binary has one. */
  readonly sizeNoun?: string;
  readonly mimes?: readonly string[];
  readonly mimeError?: string;
  /** The "cannot provide both" text. */
  readonly bothError: string;
  readonly verb: string;
  readonly captioned: boolean;
  /** How the binary words a failed `*_url` download. */
  readonly downloadError: string;
}

const AUDIO_MIMES = [
  'audio/aac', 'audio/amr', 'audio/flac', 'audio/m4a', 'audio/m4r', 'audio/mp3', 'audio/mpeg', 'audio/ogg', 'audio/vnd.wav',
  'audio/vnd.wave', 'audio/wav', 'audio/wave', 'audio/wma', 'audio/x-ms-wma', 'audio/x-pn-wav', 'audio/x-wav',
];

const ROUTES: readonly MediaRoute[] = [
  {
    route: '/send/image', kind: 'image', struct: 'ImageRequest', fileField: 'image', urlField: 'image_url', label: 'Image',
    maxBytes: 20_000_000, sizeNoun: 'file', mimes: ['image/jpeg', 'image/jpg', 'image/png'],
    mimeError: 'your image is not allowed. please use jpg/jpeg/png', bothError: 'cannot provide both Image and ImageURL',
    verb: 'Message sent to', captioned: true, downloadError: 'failed to download image from URL ',
  },
  {
    route: '/send/file', kind: 'document', struct: 'FileRequest', fileField: 'file', urlField: 'file_url', label: 'File',
    maxBytes: 50_000_000, sizeNoun: 'file', bothError: 'cannot provide both File and FileURL', verb: 'Document sent to',
    captioned: true, downloadError: 'failed to download file from URL: ',
  },
  {
    route: '/send/video', kind: 'video', struct: 'VideoRequest', fileField: 'video', urlField: 'video_url', label: 'Video',
    maxBytes: 100_000_000, sizeNoun: 'video', mimes: ['video/mp4', 'video/x-matroska', 'video/avi', 'video/x-msvideo'],
    mimeError: 'your video type is not allowed. please use mp4/mkv/avi/x-msvideo', bothError: 'cannot provide both Video and VideoURL',
    verb: 'Video sent to', captioned: true, downloadError: 'failed to download video from URL ',
  },
  {
    route: '/send/audio', kind: 'audio', struct: 'AudioRequest', fileField: 'audio', urlField: 'audio_url', label: 'Audio',
    maxBytes: 100_000_000, mimes: AUDIO_MIMES, mimeError: `your audio type is not allowed. please use (${AUDIO_MIMES.map((m) => `${m},`).join('')})`,
    bothError: 'cannot provide both Audio and AudioURL', verb: 'Send audio success', captioned: false,
    downloadError: 'failed to download audio from URL ',
  },
  {
    route: '/send/sticker', kind: 'sticker', struct: 'StickerRequest', fileField: 'sticker', urlField: 'sticker_url', label: 'Sticker',
    maxBytes: 100_000_000, mimes: ['image/jpeg', 'image/jpg', 'image/png', 'image/webp', 'image/gif'],
    mimeError: 'your sticker is not allowed. please use jpg/jpeg/png/webp/gif', bothError: 'cannot provide both Sticker file and StickerURL',
    verb: 'Sticker sent to', captioned: false, downloadError: 'failed to download sticker from URL: ',
  },
];

export function registerSendMediaRoutes(scoped: Router, services: Services): void {
  for (const spec of ROUTES) scoped.on('POST', spec.route, (ctx) => sendMedia(services, ctx, spec));
}

async function sendMedia(services: Services, ctx: Ctx, spec: MediaRoute): Promise<void> {
  const { sender } = services;
  const body = await ctx.body();
  const fields = new TypedFields(body, spec.struct);
  const phone = fields.string('phone');
  validate([[phone !== '', 'phone', 'cannot be blank']]);
  assertInternational(phone);
  const upload = body.files.get(spec.fileField);
  const url = fields.string(spec.urlField);
  validateMediaInput(spec, upload, url);
  assertDuration(fields);
  const jid = toJid(phone);
  sender.assertReady(ctx.slot);
  sender.assertRecipient(jid);
  const media = upload ?? (await fetchMedia(spec, url));
  const caption = spec.captioned ? fields.string('caption') : '';
  const result = await sender.send(ctx.slot, {
    route: spec.route,
    jid,
    verb: spec.verb,
    content: caption,
    caption: caption || undefined,
    // The binary converts stickers to WebP before sending them.
    media: { kind: spec.kind, filename: media.filename, data: media.data, mime: spec.kind === 'sticker' ? 'image/webp' : media.mimeType },
  });
  sendOk(ctx.res, result.status, result);
}

function validateMediaInput(spec: MediaRoute, upload: UploadedFile | undefined, url: string): void {
  if (!upload && url === '') throw errors.validation(`either ${spec.label} or ${spec.label}URL must be provided`);
  if (upload && url !== '') throw errors.validation(spec.bothError);
  if (upload && spec.mimes && !spec.mimes.includes(upload.mimeType)) throw errors.validation(spec.mimeError ?? '');
  if (upload && spec.sizeNoun && upload.data.length > spec.maxBytes) {
    // go-humanize Bytes: SI units with a space, e.g. "50 MB".
    const size = `${spec.maxBytes / 1_000_000} MB`;
    throw errors.validation(`max ${spec.sizeNoun} upload is ${size}, please upload in cloud and send via text if your file is higher than ${size}`);
  }
  if (url !== '' && !/^https?:\/\/[^\s/]+/i.test(url)) throw errors.validation(`${spec.label}URL must be a valid URL`);
}

async function fetchMedia(spec: MediaRoute, url: string): Promise<UploadedFile> {
  try {
    const fetched = await download(url, spec.maxBytes);
    return { filename: fetched.filename, mimeType: fetched.contentType, data: fetched.data };
  } catch (err) {
    throw errors.internal(`${spec.downloadError}${(err as Error).message}`);
  }
}
