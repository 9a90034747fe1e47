import { errors, GatewayError } from '../domain/errors.js';
import { ChildHttpError, type GowaClient } from '../gowa/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import type { DeviceRunner } from '../supervisor/device-runner.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { qrFileName, readQrDataUrl } from './qr-file.js';

export interface QrCode {
  readonly phoneNumber: string;
  /** `data:image/png;base64,…`, ready for an `<img src>`. */
  readonly qrCode: string;
  readonly expiresAt: string;
  /** Seconds the code is valid for, as the child said (`qr_duration`). */
  readonly qrDuration: number;
}

interface Cached {
  readonly port: number;
  readonly expiresAtMs: number;
  readonly code: QrCode;
}

/** QR codes the gateway fetched from a child (the binary itself sends no frame for them, docs/binary-contract.md §8). */
export interface QrEvents {
  [event: string]: unknown;
  qr: { phoneNumber: string; port: number; qrCode: string; expiresAt: string; at: number };
}

export interface QrServiceDeps {
  readonly supervisor: Supervisor;
  readonly clock: Clock;
  readonly logger: Logger;
  /** QR_CODE_TIMEOUT: the longest a caller waits for the child's login call. */
  readonly timeoutMs: number;
  /** QR_REFRESH_LIMIT: fresh codes fetched and pushed by the gateway itself after one expires unscanned. */
  readonly refreshLimit: number;
}

/**
 * QR codes and pairing codes through each child's login routes (docs/binary-contract.md §8). The child writes the
 * QR as a PNG in its own folder; the gateway reads it there and returns it inline. One login call per number at a time, and
 * a code is reused until it expires, since every new login call replaces the previous code on the phone.
 *
 * Once someone asked for a QR, the gateway keeps it fresh by itself: when a code expires unscanned it fetches the
 * next one and announces it (feed `qr` → Socket.IO), up to QR_REFRESH_LIMIT times, so a page showing the QR
 * never has to ask again. Pairing, a pairing-code request, the process exiting or the limit end the rotation.
 */
export class QrService {
  private readonly cache = new Map<string, Cached>();
  private readonly pending = new Map<string, Promise<QrCode>>();
  private readonly rotations = new Map<string, { timer: NodeJS.Timeout; refreshes: number }>();
  private readonly unsubscribe: (() => void)[];
  private readonly emitter: TypedEmitter<QrEvents>;
  /** Every QR code fetched from a child, as it is fetched. */
  readonly events: Listenable<QrEvents>;

  constructor(private readonly deps: QrServiceDeps) {
    this.emitter = new TypedEmitter((err, event) => deps.logger.error({ err, event }, 'a QR listener failed'));
    this.events = this.emitter.view;
    this.unsubscribe = [
      deps.supervisor.events.on('exited', ({ phoneNumber }) => this.forget(phoneNumber)),
      deps.supervisor.events.on('removed', ({ phoneNumber }) => this.forget(phoneNumber)),
      deps.supervisor.events.on('session', ({ phoneNumber, to }) => {
        if (to === 'logged_in') this.forget(phoneNumber);
      }),
    ];
  }

  /** Whether the gateway will fetch and push the next QR of this number when the current one expires. */
  rotating(phoneNumber: string): boolean {
    return this.rotations.has(phoneNumber);
  }

  async qr(phoneNumber: string): Promise<QrCode> {
    const code = await this.current(phoneNumber);
    // Someone is looking at the QR: the rotation budget starts again from this code.
    this.scheduleRotation(phoneNumber, 0);
    return code;
  }

  /** `fresh`: the rotation's call at the expiry, which must not get the old code back (timers may fire a little early). */
  private async current(phoneNumber: string, fresh = false): Promise<QrCode> {
    const { runner, client } = this.ready(phoneNumber);
    const cached = this.cache.get(phoneNumber);
    if (!fresh && cached && cached.port === client.endpoint.port && this.deps.clock.now() < cached.expiresAtMs) return cached.code;
    let pending = this.pending.get(phoneNumber);
    if (!pending) {
      pending = this.fetch(phoneNumber, runner, client).finally(() => this.pending.delete(phoneNumber));
      this.pending.set(phoneNumber, pending);
    }
    return pending;
  }

  /** The 8-character code the user types on the phone (Linked devices → Link with phone number). */
  async pairCode(phoneNumber: string): Promise<{ phoneNumber: string; pairCode: string }> {
    const { runner, client } = this.ready(phoneNumber);
    // A new QR login call would replace the code the user is typing: no rotation from here on.
    this.stopRotation(phoneNumber);
    try {
      const result = await client.loginWithCode(phoneNumber, this.deps.timeoutMs);
      this.cache.delete(phoneNumber);
      return { phoneNumber, pairCode: result.pair_code };
    } catch (err) {
      throw this.loginError(err, runner, 'pairing code');
    }
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    for (const phone of [...this.rotations.keys()]) this.stopRotation(phone);
    this.cache.clear();
  }

  private forget(phoneNumber: string): void {
    this.cache.delete(phoneNumber);
    this.stopRotation(phoneNumber);
  }

  private stopRotation(phoneNumber: string): void {
    const rotation = this.rotations.get(phoneNumber);
    if (rotation) this.deps.clock.clearTimeout(rotation.timer);
    this.rotations.delete(phoneNumber);
  }

  /** At the current code's expiry, fetch the next one (which announces itself), while the budget lasts. */
  private scheduleRotation(phoneNumber: string, refreshes: number): void {
    this.stopRotation(phoneNumber);
    const cached = this.cache.get(phoneNumber);
    if (!cached || refreshes >= this.deps.refreshLimit) return;
    const timer = this.deps.clock.setTimeout(() => {
      this.rotations.delete(phoneNumber);
      this.current(phoneNumber, true).then(
        () => this.scheduleRotation(phoneNumber, refreshes + 1),
        (err: unknown) => this.deps.logger.info({ phoneNumber, err: (err as Error).message }, 'QR rotation stopped: no new code'),
      );
    }, Math.max(0, cached.expiresAtMs - this.deps.clock.now()));
    timer.unref();
    this.rotations.set(phoneNumber, { timer, refreshes });
  }

  private ready(phoneNumber: string): { runner: DeviceRunner; client: GowaClient } {
    const runner = this.deps.supervisor.runner(phoneNumber);
    const client = runner?.state === 'running' ? runner.client : null;
    if (!runner || !client) {
      const state = runner?.state ?? 'stopped';
      throw errors.deviceNotRunning(phoneNumber, state);
    }
    if (runner.session === 'logged_in') {
      throw new GatewayError('ALREADY_LOGGED_IN', `${phoneNumber} is already logged in; log it out first to pair again`, { sessionState: runner.session });
    }
    return { runner, client };
  }

  private async fetch(phoneNumber: string, runner: DeviceRunner, client: GowaClient): Promise<QrCode> {
    let login: Awaited<ReturnType<GowaClient['login']>>;
    try {
      login = await client.login(this.deps.timeoutMs);
    } catch (err) {
      throw this.loginError(err, runner, 'QR code');
    }
    const file = qrFileName(login.qr_link);
    const qrCode = file ? await readQrDataUrl(this.deps.supervisor.sessionDir(phoneNumber), file) : null;
    if (!qrCode) throw new GatewayError('CHILD_ERROR', `the process of ${phoneNumber} announced a QR code it did not write`);
    const now = this.deps.clock.now();
    const seconds = Number.isFinite(login.qr_duration) && login.qr_duration > 0 ? login.qr_duration : 30;
    const expiresAtMs = now + seconds * 1000;
    const code: QrCode = { phoneNumber, qrCode, expiresAt: new Date(expiresAtMs).toISOString(), qrDuration: seconds };
    this.cache.set(phoneNumber, { port: client.endpoint.port, expiresAtMs, code });
    this.emitter.emit('qr', { phoneNumber, port: client.endpoint.port, qrCode, expiresAt: code.expiresAt, at: now });
    return code;
  }

  private loginError(err: unknown, runner: DeviceRunner, what: string): unknown {
    const phoneNumber = runner.phoneNumber;
    if (err instanceof ChildHttpError) {
      if (err.childCode === 'ALREADY_LOGGED_IN') {
        this.deps.supervisor.observeSession(phoneNumber, 'logged_in', null);
        return new GatewayError('ALREADY_LOGGED_IN', `${phoneNumber} is already logged in; log it out first to pair again`, { sessionState: 'logged_in' });
      }
      if (err.childCode === 'SESSION_SAVED_ERROR') {
        return new GatewayError('ALREADY_LOGGED_IN', `${phoneNumber} has a saved session and is reconnecting; no ${what} is needed`, { sessionState: runner.session });
      }
      if (err.status === 504 || err.status === 408) return new GatewayError('QR_TIMEOUT', `WhatsApp gave no ${what} in time; try again`);
      return err;
    }
    if (err instanceof GatewayError && err.code === 'CHILD_UNREACHABLE' && isTimeout(err)) {
      return new GatewayError('QR_TIMEOUT', `no ${what} from ${phoneNumber} within QR_CODE_TIMEOUT (${this.deps.timeoutMs} ms)`);
    }
    this.deps.logger.debug({ phoneNumber, err: (err as Error).message }, `${what} request failed`);
    return err;
  }
}

function isTimeout(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    if ((current as { name?: unknown }).name === 'TimeoutError') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
