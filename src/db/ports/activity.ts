export interface MinuteCounts {
  /** Start of the minute (ms). */
  readonly minute: number;
  readonly sent: number;
  readonly delivered: number;
  readonly received: number;
}

/** Messages sent, delivered and received per minute for one number, from the outbox and the event journal, on either dialect. */
export interface ActivityStore {
  /** Minutes with anything in them since `since`, oldest first. */
  perMinute(phoneNumber: string, since: number): Promise<MinuteCounts[]>;
}

/** Adds per-minute counts of each kind into one list, oldest first (shared by both dialects' stores). */
export function mergeMinutes(counts: Record<'sent' | 'delivered' | 'received', readonly { minute: number; n: number }[]>): MinuteCounts[] {
  const byMinute = new Map<number, { sent: number; delivered: number; received: number }>();
  for (const key of ['sent', 'delivered', 'received'] as const) {
    for (const { minute, n } of counts[key]) {
      const at = minute * 60_000;
      const entry = byMinute.get(at) ?? { sent: 0, delivered: 0, received: 0 };
      entry[key] += n;
      byMinute.set(at, entry);
    }
  }
  return [...byMinute.entries()].sort(([a], [b]) => a - b).map(([minute, counts]) => ({ minute, ...counts }));
}
