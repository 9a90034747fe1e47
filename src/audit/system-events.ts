import type { UpdateEvents } from '../jobs/update-service.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { OutboxEvents } from '../messaging/types.js';
import type { RestoreSummary } from '../supervisor/reconcile.js';
import type { SupervisorEvents } from '../supervisor/types.js';
import { SYSTEM_ACTOR, type AuditEntry, type AuditLog } from './audit-log.js';

export interface SystemSources {
  readonly supervisor: Listenable<SupervisorEvents>;
  readonly outbox: Listenable<OutboxEvents>;
  readonly updates: Listenable<UpdateEvents>;
}

const number = (phoneNumber: string): Pick<AuditEntry, 'phoneNumber' | 'target'> => ({ phoneNumber, target: { type: 'number', id: phoneNumber } });

/**
 * What the gateway does by itself goes into the audit log beside what people do: crashes, watchdog kills and automatic restarts,
 * a crash loop giving up, a session opened elsewhere, a pending number taking (or refused) its phone, a timelock
 * pause, a binary rollout. Returns the unsubscriber.
 */
export function auditSystemEvents(audit: AuditLog, sources: SystemSources): () => void {
  const record = (entry: Omit<AuditEntry, 'actor'>) => audit.record({ actor: SYSTEM_ACTOR, ...entry });
  const offs = [
    sources.supervisor.on('state', ({ phoneNumber, from, to, cause, reason }) => {
      // Not a crash: the child watchdog killed it while the gateway itself was unresponsive.
      if (cause === 'watchdog_killed') record({ action: 'number.watchdog_kill', result: 'error', ...number(phoneNumber), params: { reason } });
      else if (to === 'backoff') record({ action: 'number.crash', result: 'error', ...number(phoneNumber), params: { reason } });
      else if (from === 'backoff' && to === 'starting') record({ action: 'number.auto_restart', result: 'ok', ...number(phoneNumber), params: { reason } });
      else if (to === 'failed') record({ action: 'number.crash_loop', result: 'error', ...number(phoneNumber), params: { reason } });
      else if (to === 'replaced') record({ action: 'number.replaced', result: 'error', ...number(phoneNumber), params: { reason } });
    }),
    // A number created before its phone was known: its rows moved to the phone; older audit rows keep the pending id.
    sources.supervisor.on('bound', ({ phoneNumber, pendingId }) => record({ action: 'number.bound', result: 'ok', ...number(phoneNumber), params: { pendingId } })),
    sources.supervisor.on('bind-refused', ({ phoneNumber, phone, reason }) => record({ action: 'number.bind_refused', result: 'error', ...number(phoneNumber), params: { phone, reason } })),
    sources.outbox.on('paused', ({ phoneNumber, paused, pausedUntil, reason }) => {
      if (paused) record({ action: 'queue.timelock_pause', result: 'ok', ...number(phoneNumber), params: { pausedUntil: pausedUntil === null ? null : new Date(pausedUntil).toISOString(), reason } });
    }),
    sources.updates.on('update-applied', ({ version, ok, moved, failedOn, reason }) => {
      record({ action: 'system.binary_rollout', result: ok ? 'ok' : 'error', target: { type: 'binary', id: version }, params: { version, moved, failedOn, reason } });
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/** Boot restore: one row per number started (or failed to start), and one for the whole run. */
export function auditRestore(audit: AuditLog, summary: RestoreSummary): void {
  for (const phoneNumber of summary.restored) audit.record({ actor: SYSTEM_ACTOR, action: 'number.restore', result: 'ok', ...number(phoneNumber) });
  for (const { phoneNumber, reason } of summary.failed) audit.record({ actor: SYSTEM_ACTOR, action: 'number.restore', result: 'error', ...number(phoneNumber), params: { reason } });
  audit.record({
    actor: SYSTEM_ACTOR,
    action: 'system.boot_restore',
    result: summary.failed.length === 0 ? 'ok' : 'error',
    params: { restored: summary.restored.length, skipped: summary.skipped.length, failed: summary.failed.length },
  });
}
