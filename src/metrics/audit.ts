import { Counter, type Registry } from 'prom-client';
import type { AuditEvents } from '../audit/audit-log.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { MetricsContributor } from './registry.js';

/** `wa_audit_events_total{action,result}`: every audit row since start (refusals show as result="denied"). */
export function auditMetrics(events: Listenable<AuditEvents>): MetricsContributor & { close(): void } {
  let counter: Counter<'action' | 'result'> | null = null;
  const off = events.on('recorded', ({ action, result }) => counter?.inc({ action, result }));
  return {
    register(registry: Registry) {
      counter = new Counter({ name: 'wa_audit_events_total', help: 'Audit log rows written, by action and result (ok, denied, error)', labelNames: ['action', 'result'], registers: [registry] });
    },
    close: off,
  };
}
