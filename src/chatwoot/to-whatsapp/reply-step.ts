import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ChatwootStateStore } from '../../db/ports/chatwoot-state.js';
import type { ChatwootJobRow } from '../../db/schema.js';
import { GatewayError } from '../../domain/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { NewOutgoing } from '../../messaging/outbox.js';
import type { MessageKind } from '../../messaging/types.js';
import type { ActiveBinding, Bindings } from '../bindings/bindings.js';
import { ChatwootError } from '../client/errors.js';
import type { JobQueue, StepOutcome } from '../queue/job-queue.js';
import { replyKey } from './reply-key.js';

/** What the webhook receiver queued for one agent message (top-level fields only, BR-11). */
export interface ReplyPayload {
  readonly conversationId: number;
  /** The WhatsApp chat (JID) to send to. */
  readonly recipient: string;
  readonly content: string | null;
  readonly senderName: string | null;
  readonly attachments: readonly { readonly url: string; readonly fileType: string; readonly contentType: string | null; readonly extension: string | null; readonly size: number | null }[];
  readonly inReplyTo: number | null;
}

/** The slice of the outbox the bridge sends through. */
export interface ReplyOutbox {
  accept(input: NewOutgoing): Promise<{ row: { id: string; waMessageId: string | null }; created: boolean }>;
}

export interface ReplyStepDeps {
  readonly bindings: Bindings;
  readonly state: ChatwootStateStore;
  readonly outbox: ReplyOutbox;
  readonly queue: JobQueue;
  /** Where downloaded files wait before the outbox adopts them (its tmp folder, same file system). */
  readonly tmpDir: string;
  readonly maxAttachmentBytes: number;
  readonly logger: Logger;
}

/** The binary's own upload limits (docs/binary-contract.md §2). */
const IMAGE_LIMIT = 20_000_000;
const FILE_LIMIT = 50_000_000;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/jpg', 'image/png']);

/**
 * The `reply` step: an agent's message → WhatsApp. Attachments are downloaded (redirects followed, the size
 * limit enforced while reading); then each part (the text, or each file with the text as the first caption) goes
 * into the durable outbox with the Idempotency-Key `chatwoot:<account>:<conversation>:<message>:<part>`, so a
 * step run twice (a duplicate webhook that slipped through, a replay, a restart mid-way) sends nothing twice.
 * An attachment that is too large or cannot be fetched fails the message in Chatwoot with the reason; nothing of
 * it is sent, nothing else waits.
 */
export class ReplyStep {
  constructor(private readonly deps: ReplyStepDeps) {}

  readonly handle = async (job: ChatwootJobRow): Promise<StepOutcome> => {
    const binding = this.deps.bindings.get(job.phoneNumber);
    if (!binding) return { kind: 'done' };
    const reply = job.payload as unknown as ReplyPayload;
    const messageId = Number(job.ref);
    const text = this.sign(binding, reply);
    const files: { path: string; fileName: string; mime: string; size: number }[] = [];
    try {
      for (const [index, attachment] of reply.attachments.entries()) {
        try {
          const download = await binding.client.download(attachment.url, Math.min(this.deps.maxAttachmentBytes, FILE_LIMIT));
          const mime = (attachment.contentType ?? download.mime ?? 'application/octet-stream').split(';')[0]?.trim() || 'application/octet-stream';
          const file = path.join(this.deps.tmpDir, crypto.randomUUID());
          await fs.promises.writeFile(file, download.bytes);
          files.push({ path: file, fileName: fileNameOf(attachment, mime, index), mime, size: download.bytes.length });
        } catch (err) {
          // Storage down or busy: try again later. Too large, gone, refused, an expired link: this message fails.
          if (err instanceof ChatwootError && transient(err)) throw err;
          await this.fail(binding, job, reply, `attachment ${index + 1} was not sent: ${err instanceof Error ? err.message : String(err)}`);
          return { kind: 'done' };
        }
      }
      await this.send(binding, messageId, reply, text, files);
    } finally {
      // What the outbox adopted is gone from here already; the rest is removed.
      for (const file of files) await fs.promises.rm(file.path, { force: true });
    }
    return { kind: 'done' };
  };

  private async send(binding: ActiveBinding, messageId: number, reply: ReplyPayload, text: string | null, files: readonly { path: string; fileName: string; mime: string; size: number }[]): Promise<void> {
    const parts: Omit<NewOutgoing, 'phoneNumber' | 'recipient' | 'idempotencyKey'>[] =
      files.length === 0
        ? [{ kind: 'text', content: { message: text ?? '' } }]
        : files.map((file, i) => {
            const kind: MessageKind = IMAGE_TYPES.has(file.mime) && file.size <= IMAGE_LIMIT ? 'image' : 'file';
            return { kind, content: i === 0 && text ? { caption: text } : {}, upload: { tempPath: file.path, fileName: file.fileName, mimeType: file.mime, size: file.size } };
          });
    for (const [part, input] of parts.entries()) {
      const key = replyKey({ accountId: binding.row.accountId, conversationId: reply.conversationId, messageId, part });
      let row: { id: string; waMessageId: string | null };
      try {
        row = (await this.deps.outbox.accept({ ...input, phoneNumber: binding.phoneNumber, recipient: reply.recipient, idempotencyKey: key })).row;
      } catch (err) {
        // The same key with other content: this part was sent before (the message changed since); it stays sent.
        if (err instanceof GatewayError && err.code === 'IDEMPOTENCY_KEY_REUSED') continue;
        throw err;
      }
      if (!(await this.deps.state.link(binding.phoneNumber, row.id))) {
        await this.deps.state.putLink({ phoneNumber: binding.phoneNumber, storeId: row.id, waId: row.waMessageId, conversationId: reply.conversationId, messageId, origin: 'chatwoot', synced: {} });
      }
    }
  }

  /** `signAgentName`: `*Agent Name*:` and a new line before the text (WhatsApp shows it bold). */
  private sign(binding: ActiveBinding, reply: ReplyPayload): string | null {
    if (!binding.options.signAgentName || !reply.senderName) return reply.content;
    return reply.content ? `*${reply.senderName}*:\n${reply.content}` : `*${reply.senderName}*`;
  }

  private async fail(binding: ActiveBinding, job: ChatwootJobRow, reply: ReplyPayload, error: string): Promise<void> {
    this.deps.logger.info({ phoneNumber: binding.phoneNumber, messageId: job.ref, error }, 'chatwoot: agent message not sent');
    const lane = await this.deps.queue.enqueue({ phoneNumber: binding.phoneNumber, lane: job.lane, kind: 'fail', ref: job.ref, payload: { conversationId: reply.conversationId, error } });
    this.deps.queue.wake([lane]);
  }
}

function transient(err: ChatwootError): boolean {
  return err.kind === 'network' || err.kind === 'timeout' || (err.kind === 'http' && (err.status === 429 || (err.status ?? 0) >= 500));
}

function fileNameOf(attachment: ReplyPayload['attachments'][number], mime: string, index: number): string {
  let fromUrl = '';
  try {
    fromUrl = decodeURIComponent(new URL(attachment.url).pathname.split('/').pop() ?? '');
  } catch {
    // not a URL we can read a name from
  }
  if (/^[A-Za-z0-9 ._()+-]{1,200}\.[A-Za-z0-9]{1,8}$/.test(fromUrl)) return fromUrl;
  const ext = attachment.extension?.replace(/^\./, '') || mime.split('/')[1]?.replace(/[^a-z0-9]/gi, '') || 'bin';
  return `${attachment.fileType || 'file'}-${index + 1}.${ext}`;
}
