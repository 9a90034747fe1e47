import type { DeviceEventInput, DeviceEventStore } from '../db/ports/devices.js';
import type { Clock } from '../lib/clock.js';

/**
 * A number's history as the supervisor notes it, at its transition points, without waiting: each event is handed
 * to the store at once when nothing of the number is on its way (SQLite stores it before the call returns), else
 * after the one before it, so a number's history is stored in the order it happened on any dialect.
 */
export class HistoryWriter {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly store: DeviceEventStore,
    private readonly clock: Clock,
    private readonly onError: (err: unknown, event: DeviceEventInput) => void,
  ) {}

  append(event: DeviceEventInput): void {
    const now = this.clock.now();
    const key = event.phoneNumber;
    const before = this.tails.get(key);
    const write = before ? before.then(() => this.store.append(event, now)) : this.store.append(event, now);
    const tail: Promise<void> = write.then(
      () => this.settle(key, tail),
      (err: unknown) => {
        this.onError(err, event);
        this.settle(key, tail);
      },
    );
    this.tails.set(key, tail);
  }

  /** Resolves when what was noted so far (of one number, when given) is stored or refused. */
  async written(phoneNumber?: string): Promise<void> {
    if (phoneNumber !== undefined) return this.tails.get(phoneNumber);
    await Promise.all(this.tails.values());
  }

  private settle(key: string, tail: Promise<void>): void {
    if (this.tails.get(key) === tail) this.tails.delete(key);
  }
}
