/**
 * One device slot (docs/binary-contract.md §6): the persisted record plus the state a whatsmeow client would have.
 * Every transition goes through `transition`, so the rules for "has a client / connected / logged in"
 * live in one place.
 */
export interface DeviceWebhook {
  readonly url: string;
  readonly secret: string;
  readonly events: string;
  readonly insecureSkipVerify: boolean;
}

export interface SlotRecord {
  readonly id: string;
  /** Non-AD JID (`628123@s.whatsapp.net`) once paired, else ''. */
  jid: string;
  displayName: string;
  createdAt: string;
  webhook: DeviceWebhook;
}

export type DeviceState = 'disconnected' | 'connected' | 'logged_in';

export type PendingLogin = { readonly kind: 'qr' } | { readonly kind: 'code'; readonly phone: string };

/** Events a slot goes through; the binary's whatsmeow client emits the equivalents. */
export type SlotEvent =
  | { type: 'login-started'; pending: PendingLogin }
  | { type: 'login-expired' }
  | { type: 'paired'; jid: string; adJid: string; pushName: string }
  | { type: 'connected' }
  | { type: 'disconnected' }
  | { type: 'logged-out' };

export const EMPTY_WEBHOOK: DeviceWebhook = { url: '', secret: '', events: '', insecureSkipVerify: false };

export class Slot {
  /** A whatsmeow client exists once a login was started or a session was found at boot. */
  hasClient = false;
  connected = false;
  loggedIn = false;
  pending: PendingLogin | null = null;
  /** AD JID (`628123:12@s.whatsapp.net`) of the paired session. */
  adJid = '';

  constructor(
    readonly record: SlotRecord,
    /** False for the in-memory slot `/devices/{id}/login` creates for an unknown id. */
    public persisted: boolean,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get paired(): boolean {
    return this.record.jid !== '';
  }

  get state(): DeviceState {
    if (this.connected && this.loggedIn) return 'logged_in';
    return this.connected ? 'connected' : 'disconnected';
  }

  transition(event: SlotEvent): void {
    switch (event.type) {
      case 'login-started':
        // The client connects to WhatsApp to fetch a QR / pairing code, but is not authenticated yet.
        this.hasClient = true;
        this.connected = true;
        this.loggedIn = false;
        this.pending = event.pending;
        return;
      case 'login-expired':
        this.pending = null;
        if (!this.paired) this.connected = false;
        return;
      case 'paired':
        this.record.jid = event.jid;
        this.record.displayName = event.pushName;
        this.adJid = event.adJid;
        this.pending = null;
        this.hasClient = true;
        this.connected = true;
        this.loggedIn = true;
        return;
      case 'connected':
        this.hasClient = true;
        this.connected = true;
        this.loggedIn = this.paired;
        return;
      case 'disconnected':
        this.connected = false;
        this.loggedIn = false;
        return;
      case 'logged-out':
        // The slot and its client stay; the session (JID, push name) is gone, so it must pair again.
        this.record.jid = '';
        this.record.displayName = '';
        this.adJid = '';
        this.pending = null;
        this.connected = false;
        this.loggedIn = false;
        return;
    }
  }
}
