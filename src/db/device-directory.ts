import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import type { Clock } from '../lib/clock.js';
import { reconcile } from '../lib/reconcile.js';
import type { AuditLink } from './ports/audit.js';
import type { DevicePatch, DeviceReader, DeviceStore, NewDevice } from './ports/devices.js';
import type { NumberKeys } from './ports/number-keys.js';
import type { DeviceRow } from './schema.js';

/** What the directory stores through: the numbers' rows, and the rename that moves every row of a number. */
export interface DirectoryStores {
  readonly devices: DeviceStore;
  readonly numberKeys: NumberKeys;
}

export interface DirectoryEvents {
  [event: string]: unknown;
  /** Another gateway changed, added (row) or removed (null) a number: what is shown of it must be shown again. */
  changed: { phoneNumber: string; row: Readonly<DeviceRow> | null };
}

/**
 * Every number's row in memory, for the reads made on every request, event and send (synchronous), with writes
 * through the store. In distributed mode other gateways write rows too (the owner of a number records its state),
 * and the change feed brings them here through `refresh`; on one host this is the only writer. Rows are frozen: a
 * caller that changed one would change it for everyone.
 */
export class DeviceDirectory implements DeviceReader {
  private readonly emitter = new TypedEmitter<DirectoryEvents>();
  readonly events: Listenable<DirectoryEvents> = this.emitter.view;
  private readonly rows = new Map<string, Readonly<DeviceRow>>();
  private readonly byPending = new Map<string, string>();
  /** Per number: its recorded writes not yet stored, in order (see `record`). */
  private readonly recording = new Map<string, { pending: number; done: Promise<void>; announced: boolean }>();
  /**
   * When memory last changed, per key, on a counter: a read of the store that started before a change here may
   * hold an older row than memory (this gateway's own rename or write committed meanwhile), so it is read again.
   */
  private changes = 0;
  private readonly changedAt = new Map<string, number>();

  private readonly store: DeviceStore;
  private readonly numberKeys: NumberKeys;

  private constructor(
    stores: DirectoryStores,
    private readonly clock: Clock,
    private readonly onRecordError: (err: unknown, phoneNumber: string) => void,
  ) {
    this.store = stores.devices;
    this.numberKeys = stores.numberKeys;
  }

  /** Reads every number into memory. `onRecordError`: a recorded write the store refused or could not take. */
  static async load(stores: DirectoryStores, clock: Clock, onRecordError: (err: unknown, phoneNumber: string) => void = () => undefined): Promise<DeviceDirectory> {
    const directory = new DeviceDirectory(stores, clock, onRecordError);
    for (const row of await stores.devices.list()) directory.remember(row);
    return directory;
  }

  get(phoneNumber: string): Readonly<DeviceRow> | undefined {
    return this.rows.get(phoneNumber);
  }

  getByPendingId(pendingId: string): Readonly<DeviceRow> | undefined {
    const phoneNumber = this.byPending.get(pendingId);
    return phoneNumber === undefined ? undefined : this.rows.get(phoneNumber);
  }

  /** Oldest first (then by number), as the store lists them. */
  list(): Readonly<DeviceRow>[] {
    return [...this.rows.values()].sort((a, b) => a.createdAt - b.createdAt || (a.phoneNumber < b.phoneNumber ? -1 : a.phoneNumber > b.phoneNumber ? 1 : 0));
  }

  count(): number {
    return this.rows.size;
  }

  async insert(device: NewDevice): Promise<Readonly<DeviceRow>> {
    return this.remember(await this.store.insert(device));
  }

  /**
   * A change of configuration (name, webhook), with the audit row that records it. The store is called at once (on
   * SQLite the change commits before this returns its promise, inside a transaction the caller may have open).
   */
  async update(phoneNumber: string, patch: DevicePatch, audit?: AuditLink): Promise<Readonly<DeviceRow> | undefined> {
    const row = await this.store.update(phoneNumber, patch, this.clock.now(), audit);
    if (!row) {
      this.forget(phoneNumber);
      return undefined;
    }
    const writes = this.recording.get(phoneNumber);
    if (!writes) return this.remember(row);
    // Recorded writes still on their way: the stored row lacks them. Memory keeps them, takes this change on top,
    // and reads the stored row once they are in.
    writes.announced = true;
    // (A key given as undefined is no change, as the store reads it.)
    const given = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    return this.remember({ ...(this.rows.get(phoneNumber) ?? row), ...given, updatedAt: row.updatedAt });
  }

  /**
   * What the supervisor records at each transition, synchronously as on one host: memory has the change at once
   * and the store gets it behind, one write at a time per number in the order recorded. Until a number's writes
   * are stored, other gateways' announcements of it wait (memory must not go back to a row older than what is
   * recorded here); then memory takes the stored row, and reads it once more if something was announced meanwhile
   * (it may have committed after the last write). undefined when the number is not known here.
   */
  record(phoneNumber: string, patch: DevicePatch): Readonly<DeviceRow> | undefined {
    const before = this.rows.get(phoneNumber);
    if (!before) return undefined;
    const now = this.clock.now();
    const row = this.remember({ ...before, ...patch, updatedAt: now });
    const writes = this.recording.get(phoneNumber) ?? { pending: 0, done: Promise.resolve(), announced: false };
    writes.pending++;
    writes.done = writes.done.then(async () => {
      let stored: DeviceRow | undefined;
      try {
        stored = await this.store.update(phoneNumber, patch, now);
      } catch (err) {
        this.onRecordError(err, phoneNumber);
        // Memory has what was refused: read the row as stored once the writes in flight are done.
        writes.announced = true;
      }
      if (--writes.pending > 0) return;
      this.recording.delete(phoneNumber);
      // Announced when the stored row holds more than was recorded (another gateway's change before the last write).
      if (stored) this.replace(phoneNumber, stored);
      if (writes.announced) await this.refresh(phoneNumber).catch((err: unknown) => this.onRecordError(err, phoneNumber));
    });
    this.recording.set(phoneNumber, writes);
    return row;
  }

  /** Resolves when every write recorded so far (of one number, when given) is stored (or refused). */
  async recorded(phoneNumber?: string): Promise<void> {
    if (phoneNumber !== undefined) return this.recording.get(phoneNumber)?.done;
    await Promise.all([...this.recording.values()].map((w) => w.done));
  }

  /** After the number's recorded writes, so none of them lands on a number registered again under its key. */
  async delete(phoneNumber: string): Promise<boolean> {
    await this.recorded(phoneNumber);
    const deleted = await this.store.delete(phoneNumber);
    this.forget(phoneNumber);
    return deleted;
  }

  /**
   * A pending number takes its phone: every row of it moves in one transaction (NumberKeys.rename, `inside` last
   * within it), after the writes recorded under the old key; then memory names it by the phone (its pending id
   * still finds it). With nothing recorded in flight the store is called at once, so a caller can flush what must
   * move with the rows right before. Nothing changes here when the rename is refused.
   */
  async rename(from: string, to: string, inside: () => void): Promise<Readonly<DeviceRow>> {
    if (this.recording.has(from)) await this.recorded(from);
    const row = await this.numberKeys.rename(from, to, this.clock.now(), inside);
    this.forget(from);
    return this.remember(row);
  }

  /**
   * Another gateway changed the number with this key, or any number (null): read it again, and announce `changed`
   * when it is different now (a gateway's own write coming back announces nothing).
   */
  async refresh(key: string | null): Promise<void> {
    const since = this.changes;
    if (key !== null) {
      const row = await this.store.get(key);
      return this.changedSince(key, since) ? this.refresh(key) : this.replace(key, row);
    }
    const rows = await this.store.list();
    const raced: string[] = [];
    reconcile(this.rows.keys(), rows, (row) => row.phoneNumber, (phoneNumber, row) => (this.changedSince(phoneNumber, since) ? raced.push(phoneNumber) : this.replace(phoneNumber, row)));
    for (const phoneNumber of raced) await this.refresh(phoneNumber);
  }

  private changedSince(key: string, since: number): boolean {
    return (this.changedAt.get(key) ?? 0) > since;
  }

  private touch(key: string): void {
    this.changedAt.set(key, ++this.changes);
  }

  private replace(phoneNumber: string, row: DeviceRow | undefined): void {
    const writes = this.recording.get(phoneNumber);
    if (writes) return void (writes.announced = true);
    const before = this.rows.get(phoneNumber);
    if (row) {
      if (before && JSON.stringify(before) === JSON.stringify(row)) return;
      this.emitter.emit('changed', { phoneNumber, row: this.remember(row) });
    } else if (before) {
      this.forget(phoneNumber);
      this.emitter.emit('changed', { phoneNumber, row: null });
    }
  }

  private remember(row: DeviceRow): Readonly<DeviceRow> {
    this.touch(row.phoneNumber);
    this.unindex(row.phoneNumber);
    const frozen = Object.freeze(row);
    this.rows.set(row.phoneNumber, frozen);
    if (row.pendingId) this.byPending.set(row.pendingId, row.phoneNumber);
    return frozen;
  }

  private forget(phoneNumber: string): void {
    this.touch(phoneNumber);
    this.unindex(phoneNumber);
    this.rows.delete(phoneNumber);
  }

  /** A pending id names the number that holds it now: a row that moved to its phone keeps it. */
  private unindex(phoneNumber: string): void {
    const pendingId = this.rows.get(phoneNumber)?.pendingId;
    if (pendingId && this.byPending.get(pendingId) === phoneNumber) this.byPending.delete(pendingId);
  }
}
