import type { DeviceEvent, DeviceState, SessionState } from '../domain/device-state.js';
import type { DeviceDirectory } from '../db/device-directory.js';
import type { DeviceEventStore } from '../db/ports/devices.js';
import type { RestartPolicy } from '../domain/restart-policy.js';
import type { GowaClient } from '../gowa/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { PortPool } from './port-pool.js';
import type { WatchdogSettings } from './watchdog/link.js';

/** Everything the supervisor announces. Other layers (realtime, messaging, metrics) subscribe; none is imported here. */
export interface SupervisorEvents {
  [event: string]: unknown;
  /** `cause`: the transition's event (a watchdog kill and a crash both lead to backoff). */
  state: { phoneNumber: string; from: DeviceState; to: DeviceState; cause: DeviceEvent; reason: string; at: number };
  session: { phoneNumber: string; from: SessionState; to: SessionState; jid: string | null; at: number };
  /** The child answers its health check and owns its device slot: safe to talk to. */
  /** `binary`: the executable this child was started from. */
  ready: { phoneNumber: string; port: number; client: GowaClient; webhookSecret: string; binary: string };
  /** The number was unregistered (its child already stopped); what others keep about it must go. */
  removed: { phoneNumber: string; purged: boolean };
  /**
   * A number created without a phone got one: every row moved from `pendingId` to `phoneNumber` (its child was
   * stopped for it and starts again under the new key). What others keep in memory under the old key must move.
   */
  bound: { phoneNumber: string; pendingId: string; at: number };
  /** The phone that paired with a pending number is already registered: nothing moved, the child was logged out. */
  'bind-refused': { phoneNumber: string; phone: string; reason: string; at: number };
  /** A line of the child's output (or the gateway's note about it), as it is kept. */
  log: { phoneNumber: string; at: number; stream: 'stdout' | 'stderr' | 'gateway'; line: string };
  /** The child is gone (any reason); connections to it should close. */
  exited: { phoneNumber: string; port: number | null; code: number | null; signal: string | null; expected: boolean; willRestart: boolean };
  /** The gateway runs again after a silence its child watchdog acted on: these children (pids) were SIGKILLed. */
  'watchdog-fired': { quietMs: number; killedPids: readonly number[]; at: number };
}

export interface SupervisorSettings {
  readonly binary: string;
  readonly sessionsDir: string;
  readonly appOs: string;
  readonly debugChildren: boolean;
  readonly startTimeoutMs: number;
  readonly stopGraceMs: number;
  readonly healthIntervalMs: number;
  readonly healthFailures: number;
  readonly logBufferLines: number;
  readonly logFileMaxBytes: number;
  readonly maxProcesses: number;
  readonly restoreConcurrency: number;
  readonly restoreJitterMs: number;
  /** The child watchdog (CHILD_WATCHDOG_TIMEOUT); timeoutMs 0 = none. */
  readonly watchdog: WatchdogSettings;
  /** The gateway's loopback receiver for this number's webhooks; read late because the API port may be 0 in tests. */
  readonly webhookUrl: (phoneNumber: string) => string;
}

/** What the supervisor (and each number's runner) is built from. */
export interface SupervisorDeps {
  readonly settings: SupervisorSettings;
  readonly policy: RestartPolicy;
  /**
   * Every number's row in memory: read synchronously; what a number's process and session do is recorded at each
   * transition (`record`: memory at once, the store behind); registration, configuration and removal wait for the store.
   */
  readonly devices: DeviceDirectory;
  /** A number's history (see HistoryWriter: noted without waiting, stored in order). */
  readonly history: DeviceEventStore;
  readonly ports: PortPool;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  /**
   * Runs right before a pending number's rows move to its phone: what the hot paths have queued for the turn's
   * transaction (the child's last events) is stored first, so it moves with them.
   */
  readonly beforeRename?: () => void;
  /**
   * The session store a number's child is started on (its `DB_URI`); undefined = the file in its folder, as on a
   * single host. Distributed mode's node agent gives each owned number its fenced Postgres store.
   */
  readonly storeUriFor?: (phoneNumber: string) => string | undefined;
  /**
   * Asked before a number the watchdog killed is started again; absent = always. Distributed mode's node agent says
   * no once the node's lease has lapsed during the pause (someone else may own the number by now).
   */
  readonly mayRestart?: (phoneNumber: string) => boolean;
  /**
   * Distributed mode: where a new number runs is not this node's to decide. When set, `register` stores the row
   * (with what the user wants: running or stopped) and hands the number to this instead of starting it here; the
   * owner's node agent starts it.
   */
  readonly place?: (phoneNumber: string, autoStart: boolean) => Promise<void>;
  /**
   * Distributed mode: binding a pending number to its phone leaves its child running. Its session is in a Postgres
   * schema named after the pending id for good, and its ownership moves to the phone with the same fence, so a
   * restart would only cost the user a reconnect.
   */
  readonly bindKeepsChild?: boolean;
}
