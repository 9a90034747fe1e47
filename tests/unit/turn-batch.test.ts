import { describe, expect, it } from '@jest/globals';
import { TurnBatch } from '../../src/lib/turn-batch.js';

describe('TurnBatch', () => {
  it('hands the items of one turn over together, in order, and each caller its own result', async () => {
    const runs: number[][] = [];
    const batch = new TurnBatch<number, string>((items) => {
      runs.push(items);
      return items.map((n) => `#${n}`);
    });
    const first = await Promise.all([batch.add(1), batch.add(2), batch.add(3)]);
    const later = await batch.add(4);
    expect(first).toEqual(['#1', '#2', '#3']);
    expect(later).toBe('#4');
    expect(runs).toEqual([[1, 2, 3], [4]]);
  });

  it('gives every caller of a failed batch the error, and the next batch a fresh start', async () => {
    let fail = true;
    const batch = new TurnBatch<number, number>((items) => {
      if (fail) throw new Error('disk full');
      return items;
    });
    const failed = await Promise.allSettled([batch.add(1), batch.add(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batch.add(3)).resolves.toBe(3);
  });
});
