/** Milliseconds on a clock that only moves forward at a steady rate (never the wall clock, which jumps). */
export interface Monotonic {
  now(): number;
}

export const monotonic: Monotonic = { now: () => performance.now() };

/**
 * This node's own view of its lease (DM-7, DM-10), on the monotonic clock. A renewal that succeeds extends the
 * lease in the database to at least (DB time when it was *sent*) + TTL, so the node counts from the moment it
 * sent the last renewal that succeeded, and gives up `margin` before that TTL runs out: by then it must have
 * stopped its numbers, before anyone else may claim them (they wait TTL + grace by the database's clock).
 *
 * After a missed renewal the node is "quiet" until it has renewed without a miss for one full TTL: it claims no
 * other node's numbers then, so that after a Postgres outage every node first re-asserts its own.
 */
export class LeaseClock {
  private lastGoodSentAt: number | null = null;
  private missed = false;
  private streakSince: number | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly marginMs: number,
    private readonly clock: Monotonic = monotonic,
  ) {}

  /** A new lease (join or rejoin): `sentAt` is when the join was sent; `quiet` when the node had missed renewals. */
  started(sentAt: number, quiet: boolean): void {
    this.lastGoodSentAt = sentAt;
    this.missed = quiet;
    this.streakSince = sentAt;
  }

  renewed(sentAt: number): void {
    if (this.lastGoodSentAt === null || sentAt > this.lastGoodSentAt) this.lastGoodSentAt = sentAt;
    this.streakSince ??= sentAt;
  }

  renewFailed(): void {
    this.missed = true;
    this.streakSince = null;
  }

  /** When the node must have fenced itself (monotonic ms); null before it joined. */
  deadline(): number | null {
    return this.lastGoodSentAt === null ? null : this.lastGoodSentAt + this.ttlMs - this.marginMs;
  }

  expired(): boolean {
    const deadline = this.deadline();
    return deadline !== null && this.clock.now() >= deadline;
  }

  quiet(): boolean {
    if (!this.missed) return false;
    if (this.streakSince !== null && this.clock.now() - this.streakSince >= this.ttlMs) this.missed = false;
    return this.missed;
  }

  /** ms since the last renewal that succeeded was sent (the lease's age); null before the first. */
  age(): number | null {
    return this.lastGoodSentAt === null ? null : this.clock.now() - this.lastGoodSentAt;
  }
}
