/**
 * Injected failures for the API routes (`/_fake/faults`): per route id (or `*`), a delay, a hang (no answer
 * until the rule is cleared), or a status; `before` the request is processed, or `after` it was processed
 * and committed (so the client sees a failure for a write that happened, the case that breeds duplicates).
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../lib/time.js';

export interface FaultSpec {
  readonly route: string;
  readonly method?: string;
  readonly status?: number;
  readonly delay_ms?: number;
  readonly hang?: boolean;
  readonly phase?: 'before' | 'after';
  /** How many requests it hits; unset: every request until `duration_ms` passes or the rule is cleared. */
  readonly count?: number;
  readonly duration_ms?: number;
  readonly body?: string;
  readonly content_type?: string;
  readonly retry_after?: number;
}

export interface FaultRule extends FaultSpec {
  readonly id: number;
  remaining: number | null;
  readonly until: number | null;
  hits: number;
}

export class Faults {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private readonly hung = new Set<ServerResponse>();

  constructor(private readonly now: Clock) {}

  add(spec: FaultSpec): FaultRule {
    const rule: FaultRule = {
      ...spec,
      id: this.nextId++,
      remaining: spec.count ?? null,
      until: spec.duration_ms === undefined ? null : this.now() + spec.duration_ms,
      hits: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    this.prune();
    return [...this.rules];
  }

  /** Removes every rule and lets go of hung requests (their connections are dropped). */
  clear(): void {
    this.rules = [];
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  /** The first live rule for this request and phase, consuming one of its hits. */
  take(routeId: string, method: string, phase: 'before' | 'after'): FaultRule | undefined {
    this.prune();
    const rule = this.rules.find((r) => (r.route === '*' || r.route === routeId) && (!r.method || r.method.toUpperCase() === method) && (r.phase ?? 'before') === phase);
    if (!rule) return undefined;
    rule.hits++;
    if (rule.remaining !== null) rule.remaining--;
    this.prune();
    return rule;
  }

  holdForever(res: ServerResponse): void {
    this.hung.add(res);
    res.on('close', () => this.hung.delete(res));
  }

  private prune(): void {
    const now = this.now();
    this.rules = this.rules.filter((r) => (r.remaining === null || r.remaining > 0) && (r.until === null || r.until > now));
  }
}
