/**
 * What becomes of a local journal event on its way to the Postgres journal (DM-22, interim), without a database: the
 * appender is a stand-in that answers as the real one does (a seq, CLUSTER_OWNERSHIP_LOST, CLUSTER_DB_UNREACHABLE).
 */
import { describe, expect, it } from '@jest/globals';
import { clusterErrors } from '../../src/cluster/errors.js';
import { LocalJournalForwarder } from '../../src/cluster/journal/local-forwarder.js';
import type { JournalDraft, JournalEntry } from '../../src/cluster/journal/types.js';
import { clusterJournalMetrics } from '../../src/metrics/cluster-journal.js';

interface Call {
  readonly phoneNumber: string;
  readonly fence: number;
  readonly draft: JournalDraft;
  settle(outcome: 'stored' | 'lost' | 'unreachable'): void;
}

function standIn(): { calls: Call[]; closed: boolean; append(phoneNumber: string, fence: number, draft: JournalDraft): Promise<JournalEntry>; close(): Promise<void> } {
  const calls: Call[] = [];
  const self = {
    calls,
    closed: false,
    append: (phoneNumber: string, fence: number, draft: JournalDraft) =>
      new Promise<JournalEntry>((resolve, reject) => {
        calls.push({
          phoneNumber,
          fence,
          draft,
          settle: (outcome) => {
            if (outcome === 'stored') resolve({ phoneNumber, seq: calls.length, type: draft.type, payload: draft.payload, createdAt: 0 });
            else if (outcome === 'lost') reject(clusterErrors.ownershipLost(phoneNumber, fence));
            else reject(clusterErrors.journalUnavailable(phoneNumber, 'the database did not answer in time', new Error('ECONNREFUSED')));
          },
        });
      }),
    close: async () => {
      self.closed = true;
    },
  };
  return self;
}

const draft = (n: number): JournalDraft => ({ type: 'message', payload: { body: `m${n}` } });
const held = new Map([['5511900000001', { fence: 7 }]]);

describe('the local journal forwarder', () => {
  it('appends the events of held numbers under their fence in order, and drops those of numbers not held', async () => {
    const appender = standIn();
    const forwarder = new LocalJournalForwarder({ appender, ownership: { held: () => held } });
    forwarder.forward('5511900000001', draft(1));
    forwarder.forward('5511900000002', draft(2));
    forwarder.forward('5511900000001', draft(3));
    expect(appender.calls.map((c) => [c.phoneNumber, c.fence, c.draft.payload['body']])).toEqual([
      ['5511900000001', 7, 'm1'],
      ['5511900000001', 7, 'm3'],
    ]);
    for (const call of appender.calls) call.settle('stored');
    await forwarder.settled();
    expect(forwarder.figures()).toEqual({ appended: 2, dropped: 1, failed: 0, failing: false, lastFailureAt: null });
  });

  it('drops a refused event quietly, reports an outage as a health problem until an append succeeds again, and never throws', async () => {
    const appender = standIn();
    const forwarder = new LocalJournalForwarder({ appender, ownership: { held: () => held } }, () => 1_700_000_000_000);
    const health = clusterJournalMetrics(() => forwarder.figures());
    forwarder.forward('5511900000001', draft(1));
    forwarder.forward('5511900000001', draft(2));
    appender.calls[0]!.settle('lost');
    appender.calls[1]!.settle('unreachable');
    await forwarder.settled();
    expect(forwarder.figures()).toMatchObject({ appended: 0, dropped: 1, failed: 1, failing: true, lastFailureAt: 1_700_000_000_000 });
    expect(health.report(() => [])).toMatchObject({ problems: [expect.stringContaining('could not be appended to Postgres (1 since start, the newest at 2023-11-14T22:13:20.000Z)')] });

    forwarder.forward('5511900000001', draft(3));
    appender.calls[2]!.settle('stored');
    await forwarder.settled();
    expect(forwarder.figures()).toMatchObject({ appended: 1, failed: 1, failing: false });
    expect(health.report(() => []).problems).toEqual([]);
  });

  it('closes the appender after what is queued, and takes nothing more', async () => {
    const appender = standIn();
    const forwarder = new LocalJournalForwarder({ appender, ownership: { held: () => held } });
    forwarder.forward('5511900000001', draft(1));
    const closing = forwarder.close();
    appender.calls[0]!.settle('stored');
    await closing;
    expect(appender.closed).toBe(true);
    forwarder.forward('5511900000001', draft(2));
    expect(appender.calls).toHaveLength(1);
    expect(forwarder.figures()).toMatchObject({ appended: 1, dropped: 1 });
  });
});
