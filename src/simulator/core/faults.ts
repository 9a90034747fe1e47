/**
 * `/_sim/fail-next` rules: a FIFO per slot; each send that reaches the WhatsApp step consumes one call of the
 * first rule (wait `delayMs`, then fail with `error` if set).
 */
import type { SimError } from '../http/errors.js';

export interface FaultRule {
  remaining: number;
  readonly delayMs: number;
  readonly error?: SimError;
}

export class FaultQueue {
  private readonly rules = new Map<string, FaultRule[]>();

  add(slotId: string, rule: FaultRule): number {
    const queue = this.rules.get(slotId) ?? [];
    queue.push(rule);
    this.rules.set(slotId, queue);
    return this.pending(slotId);
  }

  clear(slotId: string): void {
    this.rules.delete(slotId);
  }

  pending(slotId: string): number {
    return (this.rules.get(slotId) ?? []).reduce((sum, rule) => sum + rule.remaining, 0);
  }

  take(slotId: string): FaultRule | undefined {
    const queue = this.rules.get(slotId);
    const rule = queue?.[0];
    if (!queue || !rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) queue.shift();
    return rule;
  }
}
