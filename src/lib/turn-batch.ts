/**
 * Collects the work items that arrive during one turn of the event loop and hands them over together at its end
 * (setImmediate: after the I/O callbacks of the turn, before any timer), each caller getting its own result.
 * Nobody waits for a timer; a lone item costs one extra hop to the end of the turn.
 */
export class TurnBatch<In, Out> {
  private pending: { item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];

  /** `run` returns one result per item, in order; if it throws, every caller of that batch gets the error. */
  constructor(private readonly run: (items: In[]) => Out[]) {}

  add(item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    let results: Out[];
    try {
      results = this.run(batch.map((entry) => entry.item));
    } catch (err) {
      for (const entry of batch) entry.reject(err);
      return;
    }
    batch.forEach((entry, index) => entry.resolve(results[index] as Out));
  }
}
