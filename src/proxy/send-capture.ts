import type { ClientRequest, IncomingMessage } from 'node:http';
import busboy from 'busboy';
import type { ProxiedSend } from '../messaging/status-journal.js';

type OutgoingContent = ProxiedSend['content'];

/** JSON and form bodies are read up to this much; a text message's body is far below it. */
const MAX_FIELDS_BYTES = 256 * 1024;
const FILE_FIELDS = ['image', 'file', 'video', 'audio', 'sticker'];

export interface CapturedFile {
  readonly fieldName: string;
  readonly fileName: string;
  readonly mimeType: string;
  size: number;
}

/**
 * What a proxied `/send/*` body says, read from the bytes on their way to the child (they are streamed through
 * untouched): the fields of a JSON, form or multipart body, and of an uploaded file its name, type and size.
 */
export class SendCapture {
  readonly fields: Record<string, unknown> = {};
  readonly files: CapturedFile[] = [];
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private readonly parser: busboy.Busboy | null = null;
  private readonly kind: 'json' | 'form' | 'multipart' | 'other';

  constructor(req: IncomingMessage) {
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    this.kind = type.includes('multipart/form-data') ? 'multipart' : type.includes('json') ? 'json' : type.includes('x-www-form-urlencoded') ? 'form' : 'other';
    if (this.kind === 'multipart') {
      try {
        const parser = busboy({ headers: req.headers, limits: { fieldSize: MAX_FIELDS_BYTES, fields: 50 } });
        parser.on('field', (name, value) => (this.fields[name] = value));
        parser.on('file', (name, stream, info) => {
          const file: CapturedFile = { fieldName: name, fileName: info.filename ?? '', mimeType: info.mimeType, size: 0 };
          this.files.push(file);
          stream.on('data', (chunk: Buffer) => (file.size += chunk.length));
        });
        parser.on('error', () => undefined);
        this.parser = parser;
      } catch {
        this.parser = null;
      }
    }
  }

  /** See every chunk the proxy writes to the child, without changing what is written. */
  tap(proxyReq: ClientRequest): void {
    const write = proxyReq.write.bind(proxyReq) as (...args: unknown[]) => boolean;
    const end = proxyReq.end.bind(proxyReq) as (...args: unknown[]) => ClientRequest;
    proxyReq.write = ((chunk: unknown, ...rest: unknown[]) => {
      this.push(chunk);
      return write(chunk, ...rest);
    }) as ClientRequest['write'];
    proxyReq.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk !== undefined && typeof chunk !== 'function') this.push(chunk);
      this.finish();
      return end(chunk, ...rest);
    }) as ClientRequest['end'];
  }

  private push(chunk: unknown): void {
    const buffer = Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk) : null;
    if (!buffer) return;
    if (this.parser) {
      this.parser.write(buffer);
      return;
    }
    if (this.kind === 'other' || this.bytes > MAX_FIELDS_BYTES) return;
    this.bytes += buffer.length;
    if (this.bytes <= MAX_FIELDS_BYTES) this.chunks.push(buffer);
  }

  private finish(): void {
    if (this.parser) {
      this.parser.end();
      return;
    }
    if (this.bytes > MAX_FIELDS_BYTES || this.chunks.length === 0) return;
    const text = Buffer.concat(this.chunks).toString('utf8');
    try {
      if (this.kind === 'json') {
        const parsed = JSON.parse(text) as unknown;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(this.fields, parsed);
      } else if (this.kind === 'form') {
        for (const [key, value] of new URLSearchParams(text)) this.fields[key] = value;
      }
    } catch {
      // Not what it claimed to be: the child will refuse it, and nothing is recorded.
    }
  }
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined);

/** The binary's recipient rule (contract §7): digits → `@s.whatsapp.net`, more than 15 characters → `@g.us`, or a full JID. */
export function recipientOf(phone: unknown): string | null {
  const value = str(phone)?.trim().replace(/^\+/, '');
  if (!value) return null;
  if (value.includes('@')) return value;
  if (!/^[0-9-]{5,40}$/.test(value)) return null;
  return value.length > 15 ? `${value}@g.us` : `${value}@s.whatsapp.net`;
}

/** The message a send route's fields describe (text, caption, file, contact, location, poll). */
export function contentOf(route: string, capture: SendCapture): OutgoingContent {
  const f = capture.fields;
  const file = capture.files.find((x) => FILE_FIELDS.includes(x.fieldName));
  const url = str(f[`${route}_url`]) ?? (route === 'file' ? str(f['file_url']) : undefined);
  const fileName = file?.fileName || (url ? decodeURIComponent(url.split('?')[0]?.split('/').pop() ?? '') || undefined : undefined);
  switch (route) {
    case 'message':
      return { kind: 'message', text: str(f['message']) };
    case 'link':
      return { kind: 'link', text: [str(f['caption']), str(f['link'])].filter(Boolean).join(' ') || undefined };
    case 'contact':
      return { kind: 'contact', text: [str(f['contact_name']), str(f['contact_phone'])].filter(Boolean).join(' ') || undefined };
    case 'location':
      return { kind: 'location', text: [str(f['latitude']), str(f['longitude'])].filter(Boolean).join(', ') || undefined };
    case 'poll':
      return { kind: 'poll', text: str(f['question']) };
    default:
      return {
        kind: route,
        caption: str(f['caption']),
        fileName,
        mimeType: file?.mimeType,
        size: file?.size,
        url,
        viewOnce: f['view_once'] === true || f['view_once'] === 'true' ? true : undefined,
      };
  }
}
