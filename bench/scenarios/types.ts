import type { BenchArgs } from '../lib/args.js';
import type { GatewayProcess, PortRange } from '../lib/gateway.js';

export interface Target {
  readonly op: '>=' | '<=';
  readonly value: number;
}

/** One reported number; those with a target are judged met / missed. */
export interface Figure {
  readonly key: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: Target;
  readonly met?: boolean;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  readonly ranAt: string;
  readonly params: Record<string, unknown>;
  readonly figures: Figure[];
  /** Supporting data (per-run figures, CPU use, definitions). */
  readonly details: Record<string, unknown>;
}

export interface BenchContext {
  readonly args: BenchArgs;
  readonly ports: PortRange;
  /** Progress line on stderr (the table goes to stdout). */
  log(message: string): void;
  /** Node flags for spawned gateways (--inspect when profiling). */
  gatewayNodeArgs(): string[];
  /**
   * Run one measured phase; with --profile, the gateway's CPU profile of just that phase is written, and its
   * breakdown by stage printed (per unit of work when `unitsOf` says how much the phase did).
   */
  measure<T>(gateway: GatewayProcess, label: string, phase: () => Promise<T>, unitsOf?: (result: T) => PhaseUnits): Promise<T>;
}

/** How much work a measured phase did (messages, events, requests), to print profile figures per unit. */
export interface PhaseUnits {
  readonly count: number;
  readonly unit: string;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

export function figure(key: string, label: string, value: number, unit: string, target?: Target): Figure {
  if (!target) return { key, label, value, unit };
  const met = Number.isFinite(value) && (target.op === '>=' ? value >= target.value : value <= target.value);
  return { key, label, value, unit, target, met };
}
