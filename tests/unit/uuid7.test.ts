import { describe, expect, it } from '@jest/globals';
import { uuid7Source } from '../../src/lib/uuid7.js';

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('time-ordered ids (UUID v7)', () => {
  it('are UUIDs of version 7 carrying the time, in strictly increasing order within a millisecond and across them', () => {
    let t = 1_764_000_000_000;
    const next = uuid7Source(() => t);
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      if (i % 10 === 0) t += 1;
      ids.push(next());
    }
    for (const id of ids) expect(id).toMatch(UUID7);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(50);
    expect(msOf(ids[0]!)).toBe(1_764_000_000_001);
    expect(msOf(ids[49]!)).toBe(1_764_000_000_005);
  });

  it('stay in order when the clock steps back or a millisecond holds more ids than the counter', () => {
    let t = 2_000_000;
    const next = uuid7Source(() => t);
    const ids = [next()];
    t = 1_000_000;
    ids.push(next(), next());
    t = 2_000_000;
    for (let i = 0; i < 5000; i++) ids.push(next());
    expect([...ids].sort()).toEqual(ids);
    expect(msOf(ids[1]!)).toBe(2_000_000);
    expect(msOf(ids.at(-1)!)).toBe(2_000_001);
  });
});
