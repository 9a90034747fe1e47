/**
 * The send pipeline after validation (docs/binary-contract.md §7): the slot must have a client (500 INVALID_WA_CLI), be
 * connected and logged in (401), the recipient must be on WhatsApp (400 INVALID_JID), then the message is
 * "sent": stored in chat storage (media bytes kept so `/message/{id}/download` works), logged for
 * /_sim/sent, and acknowledged by `message.ack` webhooks (delivered, then read).
 */
import { errors } from '../http/errors.js';
import { goTimeString } from '../lib/go-time.js';
import { outgoingMessageId } from '../lib/ids.js';
import type { ArbiterLink } from '../realtime/arbiter-link.js';
import type { MessageRepo } from '../store/message-repo.js';
import type { SessionStore } from '../store/session-store.js';
import type { SentRepo } from '../store/sent-repo.js';
import type { WebhookDispatcher } from '../webhook/dispatcher.js';
import type { FaultQueue } from './faults.js';
import { mediaFormat, whatsappMediaUrl, type MediaKind, type MediaStore } from './media.js';
import { isOnWhatsApp } from './phone.js';
import type { Slot } from './slot.js';

export interface SenderDeps {
  readonly messages: MessageRepo;
  readonly sent: SentRepo;
  readonly faults: FaultQueue;
  readonly webhooks: WebhookDispatcher;
  readonly media: MediaStore;
  readonly ackDelayMs: number;
  readonly accountValidation: boolean;
  /** Encrypting a message advances the Signal session, a store write: refused, the message is not sent. */
  readonly sessions: SessionStore;
  readonly link: ArbiterLink | undefined;
}

export interface OutgoingMedia {
  readonly kind: MediaKind;
  readonly filename: string;
  readonly data: Buffer;
  /** The upload's or download's content type. */
  readonly mime?: string;
}

export interface Outgoing {
  readonly route: string;
  readonly jid: string;
  /** The status text before the JID: "Message sent to", "Document sent to", "Send location success". */
  readonly verb: string;
  /** What chat storage keeps as the message text (a caption for media). */
  readonly content: string;
  readonly media?: OutgoingMedia;
  /** Kind-specific data later events refer to (poll options). */
  readonly extra?: string;
  /** The `/_sim/sent` entry's text fields. */
  readonly message?: string;
  readonly caption?: string;
}

export interface SendResult {
  readonly message_id: string;
  readonly status: string;
}

const REQUEST_TIMEOUT_MS = 45_000;

// whatsmeow's descriptions of the receipt types (unconfirmed wording in the binary's payload).
const RECEIPTS = {
  delivered: 'means the message was delivered to the device (but the user might not have noticed).',
  read: 'the user opened the chat and saw the message.',
} as const;

export class Sender {
  constructor(private readonly deps: SenderDeps) {}

  /** Also used by the control API: simulated traffic needs a logged-in slot like real traffic does. */
  assertReady(slot: Slot): void {
    if (!slot.hasClient) throw errors.invalidWaCli();
    if (!slot.connected) throw errors.notConnected();
    if (!slot.loggedIn) throw errors.notLoggedIn();
  }

  assertRecipient(jid: string): void {
    if (this.deps.accountValidation && !isOnWhatsApp(jid)) throw errors.invalidJid(jid);
  }

  async send(slot: Slot, out: Outgoing): Promise<SendResult> {
    const fault = this.deps.faults.take(slot.id);
    if (fault) {
      // The binary's 45 s request timeout cuts a slower WhatsApp answer short; the message is not sent.
      const wait = Math.min(fault.delayMs, REQUEST_TIMEOUT_MS);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (fault.delayMs > REQUEST_TIMEOUT_MS) throw errors.gatewayTimeout();
      if (fault.error) throw fault.error;
    }
    const id = outgoingMessageId();
    await this.deps.sessions.record('message-sent', slot.adJid, { id, to: out.jid }).catch((err: unknown) => {
      throw errors.store('failed to send message', err);
    });
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const { media } = out;
    const format = media ? mediaFormat(media.kind, media.filename, media.mime) : undefined;
    this.deps.messages.addMany(slot.id, [{
      id,
      chatJid: out.jid,
      senderJid: slot.record.jid,
      senderDisplayName: slot.record.displayName,
      content: out.content,
      timestampMs: Date.now(),
      isFromMe: true,
      mediaType: media?.kind ?? '',
      filename: media?.filename ?? '',
      url: media ? whatsappMediaUrl() : '',
      fileLength: media?.data.length ?? 0,
      mimeType: format?.mime,
      blob: media && format ? this.deps.media.putBlob(media.data, format.ext) : undefined,
      extra: out.extra,
    }], () => '');
    this.deps.sent.add(slot.id, {
      message_id: id,
      route: out.route,
      phone: out.jid,
      message: out.message,
      caption: out.caption,
      filename: media?.kind === 'document' ? media.filename : undefined,
      size: media?.data.length,
      at: new Date().toISOString(),
    });
    this.deps.link?.reportSend(slot.id, id, out.jid);
    this.scheduleAcks(slot, id, out.jid);
    return { message_id: id, status: `${out.verb} ${out.jid} (server timestamp: ${goTimeString(now)})` };
  }

  private scheduleAcks(slot: Slot, id: string, jid: string): void {
    const ack = (type: keyof typeof RECEIPTS): void =>
      this.deps.webhooks.emit(slot, 'message.ack', {
        ids: [id],
        chat_id: jid,
        from: jid,
        sender_display_name: '',
        receipt_type: type,
        receipt_type_description: RECEIPTS[type],
      });
    setTimeout(() => ack('delivered'), this.deps.ackDelayMs).unref();
    setTimeout(() => ack('read'), this.deps.ackDelayMs * 2).unref();
  }
}

