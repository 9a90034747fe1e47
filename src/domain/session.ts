import type { SessionState } from './device-state.js';

/**
 * Map a child's `/app/status` onto our session state. A paired but offline slot reports
 * `is_logged_in: false` with a JID (docs/binary-contract.md §6); that is not a logout, so the state is kept.
 */
export function sessionFromStatus(current: SessionState, status: { is_logged_in: boolean; jid?: string | undefined }): SessionState {
  if (status.is_logged_in) return 'logged_in';
  if (status.jid) return current;
  return current === 'logged_out' ? 'logged_out' : 'not_logged_in';
}
