import type { StoreEvent } from './chat-types';

const KEEP = 1000;

/**
 * The conversation store's recent events per number, and from which `seq` on they are complete. A view loaded over
 * REST (current to `asOf`) asks for what came after it, so nothing that arrived while its request was in flight is
 * lost; when the buffer cannot prove it holds everything since then (not joined yet, a gap), the view reloads.
 */
export class StoreBuffer {
  private readonly numbers = new Map<string, { from: number; events: StoreEvent[] }>();

  /** Joined afresh at `seq` (or a resume could not replay everything): complete from there on. */
  restart(phone: string, seq: number): void {
    this.numbers.set(phone, { from: seq, events: [] });
  }

  has(phone: string): boolean {
    return this.numbers.has(phone);
  }

  add(event: StoreEvent): void {
    const entry = this.numbers.get(event.phoneNumber);
    if (!entry) return;
    entry.events.push(event);
    if (entry.events.length > KEEP) {
      const dropped = entry.events.splice(0, entry.events.length - KEEP);
      entry.from = Math.max(entry.from, dropped.at(-1)?.seq ?? entry.from);
    }
  }

  /** Every event after `seq`, or null when some of them may be missing. */
  since(phone: string, seq: number): StoreEvent[] | null {
    const entry = this.numbers.get(phone);
    if (!entry || entry.from > seq) return null;
    return entry.events.filter((e) => e.seq > seq);
  }

  forget(phone: string): void {
    this.numbers.delete(phone);
  }
}
