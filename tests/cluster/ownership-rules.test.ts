import { describe, expect, it } from '@jest/globals';
import { LeaseClock } from '../../src/cluster/lease-clock.js';
import { IllegalOwnershipTransition, OwnershipBook, type ClaimReason, type NumberOwnership, type OwnershipEnd } from '../../src/cluster/ownership-state.js';

function fakeClock(start = 1000): { now(): number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('the lease as the node counts it (DM-7, DM-10)', () => {
  it('fences TTL − margin after the last good renewal was *sent*, however late its answer came', () => {
    const clock = fakeClock();
    const lease = new LeaseClock(15_000, 5000, clock);
    lease.started(clock.now(), false);
    expect(lease.deadline()).toBe(11_000);
    const sent = clock.now();
    clock.advance(9000); // the renewal's answer took 9 s
    lease.renewed(sent);
    expect(lease.deadline()).toBe(11_000);
    clock.advance(999);
    expect(lease.expired()).toBe(false);
    clock.advance(1);
    expect(lease.expired()).toBe(true);
    // An older renewal that completes later never moves the deadline back.
    lease.renewed(sent - 500);
    expect(lease.deadline()).toBe(11_000);
  });

  it('stays quiet after a missed renewal until it has renewed without a miss for one whole TTL', () => {
    const clock = fakeClock();
    const lease = new LeaseClock(10_000, 2000, clock);
    lease.started(clock.now(), false);
    expect(lease.quiet()).toBe(false);
    lease.renewFailed();
    expect(lease.quiet()).toBe(true);
    clock.advance(1000);
    lease.renewed(clock.now());
    clock.advance(9999);
    expect(lease.quiet()).toBe(true);
    lease.renewFailed(); // a second miss restarts the count
    clock.advance(2);
    lease.renewed(clock.now());
    clock.advance(9999);
    expect(lease.quiet()).toBe(true);
    clock.advance(1);
    expect(lease.quiet()).toBe(false);
  });

  it('a rejoin after a fence starts quiet', () => {
    const clock = fakeClock();
    const lease = new LeaseClock(10_000, 2000, clock);
    lease.started(clock.now(), true);
    expect(lease.quiet()).toBe(true);
    clock.advance(10_000);
    expect(lease.quiet()).toBe(false);
  });
});

describe('one number’s ownership: closed states, one transition point', () => {
  const owned = (fence: number, claim: ClaimReason = 'expired'): NumberOwnership => ({ kind: 'owned', fence, incarnation: 'i', claim });
  const acquiring = (fence: number, claim: ClaimReason = 'expired'): NumberOwnership => ({ kind: 'acquiring', fence, incarnation: 'i', claim });
  const releasing = (fence: number): NumberOwnership => ({ kind: 'releasing', fence, incarnation: 'i', reason: 'drain' });
  const lost: OwnershipEnd = { kind: 'lost', reason: 'taken' };
  const released: OwnershipEnd = { kind: 'released', reason: 'drain' };

  it.each([
    { path: [acquiring(1, 'released'), owned(1, 'released'), releasing(1), released], events: ['acquired:1:released', 'released:1'] },
    { path: [acquiring(2), owned(2), lost], events: ['acquired:2:expired', 'lost:2'] },
    { path: [acquiring(3), lost], events: ['lost:3'] },
    // A hand-over that could not be done: the row never left, the number is `held` again.
    { path: [acquiring(4, 'released'), owned(4, 'released'), releasing(4), owned(4, 'held'), lost], events: ['acquired:4:released', 'acquired:4:held', 'lost:4'] },
  ])('$events', ({ path, events }) => {
    const book = new OwnershipBook();
    const seen: string[] = [];
    book.events.on('acquired', (e) => seen.push(`acquired:${e.fence}:${e.claim}`));
    book.events.on('lost', (e) => seen.push(`lost:${e.fence}`));
    book.events.on('released', (e) => seen.push(`released:${e.fence}`));
    for (const step of path) book.transition('5511900000001', step);
    expect(seen).toEqual(events);
    expect(book.get('5511900000001')).toBeUndefined();
  });

  it.each([
    { from: [], to: owned(1) },
    { from: [], to: lost },
    { from: [acquiring(1)], to: released },
    { from: [acquiring(1), owned(1)], to: acquiring(2) },
    { from: [acquiring(1), owned(1)], to: released },
  ])('refuses $to.kind after $from.length step(s)', ({ from, to }) => {
    const book = new OwnershipBook();
    for (const step of from) book.transition('5511900000001', step);
    expect(() => book.transition('5511900000001', to)).toThrow(IllegalOwnershipTransition);
  });
});
