import { Gauge, type Registry } from 'prom-client';
import type { BridgeFigures } from '../chatwoot/figures.js';
import type { HealthContributor } from '../health/health-service.js';
import type { MetricsContributor } from './registry.js';

/**
 * The Chatwoot bridge in health and Prometheus: backlog per binding and direction (waiting, retrying, dead) and
 * the steps run since start by outcome. Dead steps make the gateway unhealthy until they are replayed.
 */
export function chatwootMetrics(figures: BridgeFigures, pausedFor: (phoneNumber: string) => number | null): MetricsContributor & HealthContributor {
  return {
    name: 'chatwoot',
    register(registry: Registry) {
      new Gauge({
        name: 'wa_chatwoot_backlog',
        help: 'Chatwoot bridge steps not done yet, by number, direction (to_chatwoot, to_whatsapp) and state (pending, retrying, dead)',
        labelNames: ['phone', 'direction', 'state'],
        registers: [registry],
        collect() {
          this.reset();
          for (const b of figures.backlog()) {
            for (const [direction, counts] of [['to_chatwoot', b.toChatwoot], ['to_whatsapp', b.toWhatsapp]] as const) {
              this.set({ phone: b.phoneNumber, direction, state: 'pending' }, counts.pending);
              this.set({ phone: b.phoneNumber, direction, state: 'retrying' }, counts.retrying);
              this.set({ phone: b.phoneNumber, direction, state: 'dead' }, counts.dead);
            }
          }
        },
      });
      new Gauge({
        name: 'wa_chatwoot_steps',
        help: 'Chatwoot bridge step attempts since the gateway started, by number, direction and outcome (done, retry, dead)',
        labelNames: ['phone', 'direction', 'outcome'],
        registers: [registry],
        collect() {
          this.reset();
          for (const s of figures.stepCounts()) this.set({ phone: s.phoneNumber, direction: s.direction, outcome: s.outcome }, s.count);
        },
      });
    },
    report(visible) {
      const shown = new Set(visible(figures.backlog().map((b) => b.phoneNumber)));
      const bindings = figures.backlog().filter((b) => shown.has(b.phoneNumber)).map((b) => {
        const paused = pausedFor(b.phoneNumber);
        return { ...b, pausedUntil: paused === null ? null : new Date(paused).toISOString() };
      });
      const problems = bindings
        .filter((b) => b.toChatwoot.dead + b.toWhatsapp.dead > 0)
        .map((b) => `chatwoot: ${b.toChatwoot.dead + b.toWhatsapp.dead} dead steps for ${b.phoneNumber} (replay them from /api/chatwoot/deliveries?status=dead)`);
      return { figures: { bindings }, problems };
    },
  };
}
