/**
 * The life of one number's child process as a closed union. Every change goes through `transition`,
 * so an impossible move (say, `stopped` straight to `running`) is a bug caught at the source.
 */
export const DEVICE_STATES = ['stopped', 'starting', 'running', 'backoff', 'stopping', 'failed', 'replaced'] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/** What the number's WhatsApp session is doing, independent of whether its process runs. */
export const SESSION_STATES = ['unknown', 'not_logged_in', 'logged_in', 'logged_out'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** What the operator asked for; boot restore and crash handling obey it. */
export type DesiredState = 'running' | 'stopped';
/**
 * Why a device is stopped: a user's stop is final, the gateway's own shutdown is undone at boot, and `rebind` is
 * the moment a number created without a phone is renamed to the phone that paired (started again at once).
 */
export type StopReason = 'user' | 'shutdown' | 'rebind';

export type DeviceEvent =
  | 'start' // a start was requested (user, boot restore or backoff timer)
  | 'ready' // the child answered its health check
  | 'stop' // a stop was requested
  | 'exited' // the child is gone after a stop, or a start was abandoned
  | 'crashed' // unexpected exit or failed health checks; a restart is scheduled
  | 'gave_up' // too many crashes in the window
  | 'replaced' // exit 0 without a stop request: the session was opened elsewhere
  | 'watchdog_killed'; // the child watchdog killed it while the gateway was unresponsive: restarted, not a crash

const TABLE: Record<DeviceState, Partial<Record<DeviceEvent, DeviceState>>> = {
  stopped: { start: 'starting' },
  starting: { ready: 'running', stop: 'stopping', crashed: 'backoff', gave_up: 'failed', replaced: 'replaced', watchdog_killed: 'backoff' },
  running: { stop: 'stopping', crashed: 'backoff', gave_up: 'failed', replaced: 'replaced', watchdog_killed: 'backoff' },
  backoff: { start: 'starting', stop: 'stopped' },
  stopping: { exited: 'stopped' },
  failed: { start: 'starting', stop: 'stopped' },
  replaced: { start: 'starting', stop: 'stopped' },
};

export class InvalidTransitionError extends Error {
  readonly code = 'INVALID_TRANSITION';
  constructor(
    readonly from: DeviceState,
    readonly event: DeviceEvent,
  ) {
    super(`cannot apply "${event}" to a device in state "${from}"`);
    this.name = 'InvalidTransitionError';
  }
}

export function canTransition(from: DeviceState, event: DeviceEvent): boolean {
  return TABLE[from][event] !== undefined;
}

export function transition(from: DeviceState, event: DeviceEvent): DeviceState {
  const to = TABLE[from][event];
  if (to === undefined) throw new InvalidTransitionError(from, event);
  return to;
}

/** States in which a child process may exist and must be stopped before the device is touched. */
export function hasProcess(state: DeviceState): boolean {
  return state === 'starting' || state === 'running' || state === 'stopping';
}
