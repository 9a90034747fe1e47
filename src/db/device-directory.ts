import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import type { Clock } from '../lib/clock.js';
import { reconcile } from '../lib/reconcile.js';
import type { DevicePatch, DeviceStore, NewDevice } from './ports/devices.js';
import type { DeviceRow } from './schema.js';

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
export class DeviceDirectory {
  private readonly emitter = new TypedEmitter<DirectoryEvents>();
  readonly events: Listenable<DirectoryEvents> = this.emitter.view;
  private readonly rows = new Map<string, Readonly<DeviceRow>>();
  private readonly byPending = new Map<string, string>();
  /** Per number: its recorded writes not yet stored, in order (see `record`). */
  private readonly recording = new Map<string, { pending: number; done: Promise<void>; announced: boolean }>();

  private constructor(
    private readonly store: DeviceStore,
    private readonly clock: Clock,
    private readonly onRecordError: (err: unknown, phoneNumber: string) => void,
  ) {}

  /** Reads every number into memory. `onRecordError`: a recorded write the store refused or could not take. */
  static async load(store: DeviceStore, clock: Clock, onRecordError: (err: unknown, phoneNumber: string) => void = () => undefined): Promise<DeviceDirectory> {
    const directory = new DeviceDirectory(store, clock, onRecordError);
    for (const row of await store.list()) directory.remember(row);
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

  async update(phoneNumber: string, patch: DevicePatch): Promise<Readonly<DeviceRow> | undefined> {
    const row = await this.store.update(phoneNumber, patch, this.clock.now());
    if (!row) {
      this.forget(phoneNumber);
      return undefined;
    }
    return this.remember(row);
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

  /** Resolves when every write recorded so far is stored (or refused). */
  async recorded(): Promise<void> {
    await Promise.all([...this.recording.values()].map((w) => w.done));
  }

  async delete(phoneNumber: string): Promise<boolean> {
    const deleted = await this.store.delete(phoneNumber);
    this.forget(phoneNumber);
    return deleted;
  }

  /**
   * Another gateway changed the number with this key, or any number (null): read it again, and announce `changed`
   * when it is different now (a gateway's own write coming back announces nothing).
   */
  async refresh(key: string | null): Promise<void> {
    if (key !== null) return this.replace(key, await this.store.get(key));
    reconcile(this.rows.keys(), await this.store.list(), (row) => row.phoneNumber, (phoneNumber, row) => this.replace(phoneNumber, row));
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
    this.unindex(row.phoneNumber);
    const frozen = Object.freeze(row);
    this.rows.set(row.phoneNumber, frozen);
    if (row.pendingId) this.byPending.set(row.pendingId, row.phoneNumber);
    return frozen;
  }

  private forget(phoneNumber: string): void {
    this.unindex(phoneNumber);
    this.rows.delete(phoneNumber);
  }

  /** A pending id names the number that holds it now: a row that moved to its phone keeps it. */
  private unindex(phoneNumber: string): void {
    const pendingId = this.rows.get(phoneNumber)?.pendingId;
    if (pendingId && this.byPending.get(pendingId) === phoneNumber) this.byPending.delete(pendingId);
  }
}
