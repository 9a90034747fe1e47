/**
 * The whatsmeow session store at `DB_URI` (docs/binary-contract.md §2, §3 step 2): a paired session is a row in
 * `whatsmeow_device`. The binary keeps it in SQLite (`file:`, the default `storages/whatsapp.db`) or in Postgres
 * (`postgres:`); the stand-in does the same with the two implementations beside this file. Reads happen at boot
 * (every device found is loaded and auto-connected, as GOWA does); writes may fail at any time in Postgres mode
 * (a fenced role, a terminated backend), so every write is a promise the caller must handle.
 */

export interface StoredSession {
  /** AD JID, `628123:12@s.whatsapp.net`. */
  readonly adJid: string;
  readonly pushName: string;
}

/** Store-relevant events: what makes whatsmeow write its Signal state (pairing, keys, ratchets). */
export type StoreEventKind = 'pair' | 'login' | 'message-sent' | 'message-received' | 'logout';

export interface SessionStore {
  /** Every device in the store (GOWA's `GetAllDevices`). */
  list(): Promise<StoredSession[]>;
  save(adJid: string, pushName: string, platform: string): Promise<void>;
  /** Deletes every device of this phone number (user part of the JID). */
  removeUser(user: string): Promise<void>;
  /**
   * One row per store-relevant event, in Postgres mode only (`sim_event_log`, stamped by the database with the
   * connection's `application_name`, i.e. the fence): the real store's writes are spread over many tables, this
   * one makes "did a fenced child write anything" a single query. SQLite mode writes nothing extra.
   */
  record(kind: StoreEventKind, jid: string, detail?: Readonly<Record<string, unknown>>): Promise<void>;
  close(): Promise<void>;
}

/** Why the store could not be opened; main.ts turns it into the binary's panic (exit 2). */
export class StoreOpenError extends Error {}

/** `628123:12@s.whatsapp.net` → `628123`. */
export function userOf(jid: string): string {
  return (jid.split('@')[0] ?? '').split(':')[0] ?? '';
}

/** The store's columns that identify a device; key material is random bytes (nothing reads it). */
export const DEVICE_COLUMNS = 'jid, registration_id, noise_key, identity_key, adv_secret_key, platform, push_name';
