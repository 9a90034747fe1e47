/**
 * Login flows (docs/binary-contract.md §8) and the session lifecycle: QR and pairing-code logins leave a pending
 * login that `/_sim/pair` completes; pairing writes the session store; logout and unlink remove the session but
 * keep the slot; a paired slot auto-connects shortly after boot.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import { pairCode, qrPayload, randomPhoneDigits } from '../lib/ids.js';
import { errors } from '../http/errors.js';
import type { ArbiterLink } from '../realtime/arbiter-link.js';
import { userOf, type SessionStore } from '../store/session-store.js';
import type { DeviceManager } from './devices.js';
import { LOGIN_PHONE, USER_SERVER } from './phone.js';
import { writeQrPng } from './qr-file.js';
import type { PendingLogin, Slot } from './slot.js';

export type Broadcast = (code: string, message: string, result: unknown) => void;

export interface LoginDeps {
  readonly devices: DeviceManager;
  readonly sessions: SessionStore;
  readonly broadcast: Broadcast;
  readonly logger: Logger;
  readonly qrDir: string;
  readonly qrDurationSec: number;
  /** Shown on the phone as the linked device's platform. */
  readonly osName: string;
  /** The socket to the fake WhatsApp arbiter, when `SIM_ARBITER_URL` is set. */
  readonly link: ArbiterLink | undefined;
}

/** whatsmeow's QR channel gives up after about 160 s (60 s for the first code, then 20 s per code). */
const LOGIN_WINDOW_MS = 160_000;

export class LoginService {
  private readonly expiry = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: LoginDeps) {}

  /** `/app/login`: writes the QR PNG; the caller builds `qr_link` from the returned file name. */
  async startQr(slot: Slot): Promise<string> {
    this.assertCanLogin(slot);
    const file = await writeQrPng(this.deps.qrDir, qrPayload(), this.deps.qrDurationSec);
    this.begin(slot, { kind: 'qr' });
    return file;
  }

  /** `/app/login-with-code`. Assumption (unconfirmed): the Go code validates the bare value with ozzo. */
  startCode(slot: Slot, phone: string): string {
    if (phone === '') throw errors.validation('cannot be blank');
    if (!LOGIN_PHONE.test(phone)) throw errors.validation('must be in a valid format');
    this.assertCanLogin(slot);
    this.begin(slot, { kind: 'code', phone: phone.replace(/^\+/, '') });
    return pairCode();
  }

  /** `/_sim/pair`: the phone accepted the QR or code. whatsmeow fails the pairing when the store refuses the device. */
  async pair(slot: Slot, requestedJid: string, pushName: string): Promise<string> {
    const pending = slot.pending;
    if (!pending) throw errors.noPendingLogin();
    const user = requestedJid !== '' ? userOf(requestedJid.replace(/^\+/, '')) : defaultUser(slot, pending);
    if (!/^[0-9]{1,20}$/.test(user)) throw errors.validation('jid: must be a phone number or a phone JID.');
    const jid = `${user}@${USER_SERVER}`;
    const adJid = `${user}:${randomInt(2, 60)}@${USER_SERVER}`;
    try {
      await this.deps.sessions.save(adJid, pushName, this.deps.osName);
      await this.deps.sessions.record('pair', adJid, { slot: slot.id });
    } catch (err) {
      this.deps.logger.error(`failed to save device store: ${(err as Error).message}`);
      throw errors.store('failed to save device store', err);
    }
    this.clearExpiry(slot);
    slot.transition({ type: 'paired', jid, adJid, pushName });
    this.deps.link?.connect({ slotId: slot.id, adJid });
    this.deps.devices.persist(slot);
    this.deps.logger.info(`[DEVICE_MANAGER] device ${slot.id} paired as ${jid}`);
    this.deps.broadcast('LOGIN_SUCCESS', `Successfully pair with ${adJid}`, null);
    return jid;
  }

  /**
   * Logout from this side (`/app/logout`, `/devices/{id}/logout`): the session row goes, the slot stays.
   * Assumption (unconfirmed): logging out a never-paired slot succeeds rather than failing in whatsmeow.
   * whatsmeow tells WhatsApp and disconnects first, then deletes the store rows; a refused delete is its error.
   */
  async logout(slot: Slot): Promise<void> {
    this.clearExpiry(slot);
    const { adJid } = slot;
    const user = slot.paired ? userOf(slot.record.jid) : '';
    slot.transition({ type: 'logged-out' });
    this.deps.link?.disconnect(slot.id);
    if (slot.persisted) this.deps.devices.persist(slot);
    if (user === '') return;
    try {
      await this.deps.sessions.record('logout', adJid, { slot: slot.id });
      await this.deps.sessions.removeUser(user);
    } catch (err) {
      this.deps.logger.error(`error deleting data from store: ${(err as Error).message}`);
      throw errors.store('error deleting data from store', err);
    }
  }

  /** The phone removed the linked device (whatsmeow `LoggedOut` event). */
  async unlink(slot: Slot): Promise<void> {
    await this.logout(slot);
    this.deps.broadcast('DEVICE_LOGGED_OUT', 'Device logged out (slot kept)', { device_id: slot.id });
  }

  reconnect(slot: Slot): void {
    if (!slot.paired) throw errors.internal(`device ${slot.id} is not logged in (session deleted)`);
    slot.transition({ type: 'disconnected' });
    this.deps.link?.disconnect(slot.id);
    this.connect(slot);
  }

  /** Boot step 3 of the binary: each paired slot connects about 2 s after start. */
  scheduleAutoConnect(delayMs: number): NodeJS.Timeout {
    return setTimeout(() => {
      const paired = this.deps.devices.list().filter((slot) => slot.paired);
      if (paired.length === 0) this.deps.logger.info('auto-connect skipped: no devices available');
      for (const slot of paired) {
        if (slot.connected) continue;
        this.connect(slot);
        this.deps.logger.info(`auto-connected device ${slot.id}`);
      }
    }, delayMs);
  }

  /** Slot deleted: its socket goes with it. */
  forget(slot: Slot): void {
    this.clearExpiry(slot);
    this.deps.link?.disconnect(slot.id);
  }

  /**
   * A paired slot connects to WhatsApp. whatsmeow writes the store as it connects (keys, push name); when that
   * write fails it logs and stays connected, so the stand-in does too.
   */
  private connect(slot: Slot): void {
    slot.transition({ type: 'connected' });
    this.deps.link?.connect({ slotId: slot.id, adJid: slot.adJid });
    this.deps.sessions.record('login', slot.adJid, { slot: slot.id }).catch((err: unknown) => {
      this.deps.logger.error(`failed to save device store on connect of ${slot.id}: ${(err as Error).message}`);
    });
  }

  private assertCanLogin(slot: Slot): void {
    if (slot.loggedIn) throw errors.alreadyLoggedIn();
    // A stored session that is not connected yet: whatsmeow refuses a new QR channel.
    if (slot.paired) throw errors.sessionSaved();
  }

  private begin(slot: Slot, pending: PendingLogin): void {
    slot.transition({ type: 'login-started', pending });
    this.clearExpiry(slot);
    const timer = setTimeout(() => slot.transition({ type: 'login-expired' }), LOGIN_WINDOW_MS);
    timer.unref();
    this.expiry.set(slot.id, timer);
  }

  private clearExpiry(slot: Slot): void {
    clearTimeout(this.expiry.get(slot.id));
    this.expiry.delete(slot.id);
  }
}

/** Pairing-code phone, else the slot id when it is a phone number, else random digits. */
function defaultUser(slot: Slot, pending: PendingLogin): string {
  if (pending.kind === 'code') return pending.phone;
  return /^[0-9]+$/.test(slot.id) ? slot.id : randomPhoneDigits(12);
}
