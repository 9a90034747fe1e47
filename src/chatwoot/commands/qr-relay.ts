import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Listenable } from '../../lib/typed-emitter.js';
import type { QrCode } from '../../qr/qr-service.js';
import type { SupervisorEvents } from '../../supervisor/types.js';
import type { Notes } from './notes.js';

export interface QrRelayDeps {
  readonly qr: (phoneNumber: string) => Promise<QrCode>;
  readonly supervisor: Listenable<SupervisorEvents>;
  readonly notes: Notes;
  readonly clock: Clock;
  readonly logger: Logger;
  /** CHATWOOT_MAX_QR_SEND_ATTEMPTS. */
  readonly maxSends: number;
}

interface Watch {
  readonly conversationId: number;
  readonly inboxId: number;
  sent: number;
  timer: NodeJS.Timeout | null;
}

/** A QR code shortly before it expires is not worth posting: the next one is fetched then. */
const MARGIN_MS = 500;

/**
 * Posts a waiting number's QR code into the Chatwoot conversation a command came from, again each time the code
 * rotates, at most `maxSends` times, until a phone scans it: then says which phone connected (or that the phone
 * is registered here already, and waits for another scan while sends are left).
 */
export class QrRelay {
  private readonly watches = new Map<string, Watch>();
  private readonly off: (() => void)[];

  constructor(private readonly deps: QrRelayDeps) {
    this.off = [
      deps.supervisor.on('bound', ({ phoneNumber, pendingId }) => {
        const watch = this.stop(pendingId);
        if (watch) deps.notes.post(phoneNumber, watch.conversationId, `✅ WhatsApp +${phoneNumber} is connected to inbox ${watch.inboxId}.`);
      }),
      deps.supervisor.on('bind-refused', ({ phoneNumber, phone, reason }) => {
        const watch = this.watches.get(phoneNumber);
        if (!watch) return;
        deps.notes.post(phoneNumber, watch.conversationId, `⚠️ +${phone} was not connected: ${reason}. Scan the next code with another phone.`);
        this.schedule(phoneNumber, watch, 0);
      }),
      deps.supervisor.on('removed', ({ phoneNumber }) => void this.stop(phoneNumber)),
    ];
  }

  /** Start (or restart, with a fresh count) posting this number's QR codes into the conversation. */
  start(phoneNumber: string, conversationId: number, inboxId: number): void {
    this.stop(phoneNumber);
    const watch: Watch = { conversationId, inboxId, sent: 0, timer: null };
    this.watches.set(phoneNumber, watch);
    this.schedule(phoneNumber, watch, 0);
  }

  close(): void {
    for (const off of this.off) off();
    for (const key of [...this.watches.keys()]) this.stop(key);
  }

  private stop(phoneNumber: string): Watch | undefined {
    const watch = this.watches.get(phoneNumber);
    if (watch?.timer) this.deps.clock.clearTimeout(watch.timer);
    this.watches.delete(phoneNumber);
    return watch;
  }

  private schedule(phoneNumber: string, watch: Watch, delayMs: number): void {
    if (watch.timer) this.deps.clock.clearTimeout(watch.timer);
    watch.timer = this.deps.clock.setTimeout(() => {
      watch.timer = null;
      void this.send(phoneNumber, watch);
    }, delayMs);
  }

  private async send(phoneNumber: string, watch: Watch): Promise<void> {
    if (this.watches.get(phoneNumber) !== watch) return;
    if (watch.sent >= this.deps.maxSends) {
      this.stop(phoneNumber);
      this.deps.notes.post(phoneNumber, watch.conversationId, `⌛ No phone scanned the QR code for inbox ${watch.inboxId}. Send the command again for a new one.`);
      return;
    }
    let code: QrCode;
    try {
      code = await this.deps.qr(phoneNumber);
    } catch (err) {
      // Logged in meanwhile (the bind follows), or the number stopped: nothing more to show.
      this.deps.logger.info({ phoneNumber, err: (err as Error).message }, 'chatwoot: no QR code to post');
      if (this.watches.get(phoneNumber) === watch && !/logged in/i.test((err as Error).message)) {
        this.stop(phoneNumber);
        this.deps.notes.post(phoneNumber, watch.conversationId, `⚠️ No QR code for inbox ${watch.inboxId}: ${(err as Error).message}`);
      }
      return;
    }
    if (this.watches.get(phoneNumber) !== watch) return;
    watch.sent++;
    const base64 = code.qrCode.replace(/^data:image\/png;base64,/, '');
    const expires = new Date(code.expiresAt).toISOString().slice(11, 19);
    this.deps.notes.post(
      phoneNumber,
      watch.conversationId,
      `📱 Scan this QR code with WhatsApp on the phone for inbox ${watch.inboxId} (Settings → Linked devices → Link a device). Code ${watch.sent} of at most ${this.deps.maxSends}; it expires at ${expires} UTC.`,
      { fileName: `qr-${watch.sent}.png`, mime: 'image/png', base64 },
    );
    this.schedule(phoneNumber, watch, Math.max(MARGIN_MS, Date.parse(code.expiresAt) - this.deps.clock.now() + MARGIN_MS));
  }
}
