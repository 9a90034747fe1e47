/**
 * A number's history is noted at the supervisor's transition points without waiting, and stored in the order it
 * happened even on a store that answers slowly (Postgres); a store that stores at the call (SQLite) gets it at once.
 */
import { describe, expect, it } from '@jest/globals';
import type { DeviceEventInput, DeviceEventStore } from '../../src/db/ports/devices.js';
import type { DeviceEventRow } from '../../src/db/schema.js';
import { systemClock } from '../../src/lib/clock.js';
import { HistoryWriter } from '../../src/supervisor/history-writer.js';

/** A store whose appends start when called and finish when the test says so. */
function slowStore() {
  const started: string[] = [];
  const finish: (() => void)[] = [];
  const store: DeviceEventStore = {
    append: (event: DeviceEventInput, now: number) =>
      new Promise<DeviceEventRow>((resolve, reject) => {
        started.push(`${event.phoneNumber}:${event.type}`);
        finish.push(() => (event.type === 'refused' ? reject(new Error('store refused it')) : resolve({ id: started.length, createdAt: now, fromState: null, toState: null, detail: null, ...event } as DeviceEventRow)));
      }),
    page: async () => [],
  };
  return { store, started, finishNext: () => finish.shift()?.() };
}

describe('the history writer', () => {
  it('hands a number its next event only once the one before is stored; other numbers do not wait', async () => {
    const { store, started, finishNext } = slowStore();
    const failed: string[] = [];
    const writer = new HistoryWriter(store, systemClock, (err, event) => failed.push(`${event.type}: ${(err as Error).message}`));
    writer.append({ phoneNumber: 'a', type: 'start' });
    writer.append({ phoneNumber: 'a', type: 'refused' });
    writer.append({ phoneNumber: 'a', type: 'ready' });
    writer.append({ phoneNumber: 'b', type: 'start' });
    expect(started).toEqual(['a:start', 'b:start']);
    let written = false;
    const all = writer.written().then(() => (written = true));
    /** Lets the store's answers reach the writer (promise callbacks only; nothing is timed). */
    const settled = () => new Promise((resolve) => setImmediate(resolve));
    finishNext();
    await settled();
    expect(started).toEqual(['a:start', 'b:start', 'a:refused']);
    finishNext();
    finishNext();
    await settled();
    // A refused event is reported and does not hold up the ones after it.
    expect(started).toEqual(['a:start', 'b:start', 'a:refused', 'a:ready']);
    expect(failed).toEqual(['refused: store refused it']);
    expect(written).toBe(false);
    finishNext();
    await all;
    expect(written).toBe(true);
  });
});
