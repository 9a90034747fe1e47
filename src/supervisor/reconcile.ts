import type { DeviceRow } from '../db/schema.js';
import { isPendingId } from '../domain/number-key.js';
import { isOurChild, readProcInfo } from './proc-inspect.js';
import { hasSavedSession } from '../db/child-session.js';

export type StalePidOutcome = 'none' | 'gone' | 'ours' | 'foreign';

/** A PID recorded by a previous run: still our binary for this number, somebody else's, or gone. */
export function classifyStalePid(pid: number | null, sessionDir: string): StalePidOutcome {
  if (pid === null) return 'none';
  const info = readProcInfo(pid);
  if (!info) return 'gone';
  return isOurChild(info, sessionDir) ? 'ours' : 'foreign';
}

export type RestoreDecision = { readonly restore: true } | { readonly restore: false; readonly reason: string };

/**
 * Boot restore rule (PRODUCT.md): start again the numbers that were active, in error, or stopped by the
 * gateway's own shutdown, and that hold a saved session (or wait for their phone); a user's stop is final.
 */
export function decideRestore(row: DeviceRow, sessionDir: string): RestoreDecision {
  if (row.desiredState !== 'running') return { restore: false, reason: 'stopped by a user' };
  if (row.state === 'replaced') return { restore: false, reason: 'session was opened elsewhere (replaced); start it by hand' };
  // A number waiting for its phone has no session yet: it runs to show its QR code.
  if (!hasSavedSession(sessionDir) && !isPendingId(row.phoneNumber)) return { restore: false, reason: 'no saved session in its folder' };
  return { restore: true };
}

export interface RestoreSummary {
  readonly restored: string[];
  readonly skipped: { phoneNumber: string; reason: string }[];
  readonly failed: { phoneNumber: string; reason: string }[];
  readonly finishedAt: number | null;
}
