/** A fixed-size FIFO that keeps only the newest items (per-number log lines, recent events). */
export class RingBuffer<T> {
  private readonly items: T[] = [];

  constructor(private readonly capacity: number) {
    if (capacity < 1) throw new RangeError('capacity must be at least 1');
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  /** The newest `n` items, oldest first. */
  tail(n: number): T[] {
    return n <= 0 ? [] : this.items.slice(-n);
  }

  get size(): number {
    return this.items.length;
  }
}
