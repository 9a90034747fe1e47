import type { Clock } from '../../lib/clock.js';
import type { Listenable } from '../../lib/typed-emitter.js';
import type { QrEvents } from '../../qr/qr-service.js';
import type { SupervisorEvents } from '../../supervisor/types.js';
import { qrTextOf } from '../qr-text.js';

interface Live {
  readonly dataUrl: string;
  readonly expiresAtMs: number;
  /** Decoded once per code (a PNG decode is a few milliseconds of CPU). */
  text?: string | null;
}

/**
 * The QR code each number shows now, as the QR service fetched it: for `qrCode: true/false` in the legacy status
 * and for the raw QR text the legacy routes answer. Forgotten when the number logs in, exits or goes.
 */
export class LiveQrCodes {
  private readonly codes = new Map<string, Live>();
  private readonly off: (() => void)[];

  constructor(
    qr: Listenable<QrEvents>,
    supervisor: Listenable<SupervisorEvents>,
    private readonly clock: Clock,
  ) {
    this.off = [
      qr.on('qr', ({ phoneNumber, qrCode, expiresAt }) => this.codes.set(phoneNumber, { dataUrl: qrCode, expiresAtMs: Date.parse(expiresAt) })),
      supervisor.on('session', ({ phoneNumber, to }) => {
        if (to === 'logged_in') this.codes.delete(phoneNumber);
      }),
      supervisor.on('exited', ({ phoneNumber }) => this.codes.delete(phoneNumber)),
      supervisor.on('removed', ({ phoneNumber }) => this.codes.delete(phoneNumber)),
      supervisor.on('bound', ({ pendingId }) => this.codes.delete(pendingId)),
    ];
  }

  /** Whether a code that has not expired is shown for this number. */
  isLive(phoneNumber: string): boolean {
    const code = this.codes.get(phoneNumber);
    return code !== undefined && this.clock.now() < code.expiresAtMs;
  }

  /** The text a QR image (as the QR service returned it) encodes; decoded once per code. */
  textOf(phoneNumber: string, dataUrl: string): string | null {
    const code = this.codes.get(phoneNumber);
    if (code?.dataUrl === dataUrl) return (code.text ??= qrTextOf(dataUrl));
    return qrTextOf(dataUrl);
  }

  close(): void {
    for (const off of this.off) off();
    this.codes.clear();
  }
}
