import crypto from 'node:crypto';
import { isPendingId, phoneOfLoginJid } from '../domain/number-key.js';
import { transition, type DeviceEvent, type DeviceState, type SessionState, type StopReason } from '../domain/device-state.js';
import { decideRestart, EMPTY_HISTORY, type CrashHistory, type StartOrigin } from '../domain/restart-policy.js';
import type { DevicePatch } from '../db/ports/devices.js';
import type { DeviceRow } from '../db/schema.js';
import { GowaClient } from '../gowa/client.js';
import type { Logger } from '../lib/logger.js';
import type { TypedEmitter } from '../lib/typed-emitter.js';
import { buildChildEnv } from './child-env.js';
import { spawnChild, type ChildExit, type ChildProcess } from './child-process.js';
import type { HistoryWriter } from './history-writer.js';
import type { ProcessLogs } from './process-logs.js';
import { waitUntilHealthy } from './readiness.js';
import type { SupervisorDeps, SupervisorEvents } from './types.js';
import type { ChildWatchdog, WatchdogKill } from './watchdog/link.js';

export interface RunnerDeps extends Omit<SupervisorDeps, 'history'> {
  /** The number's history, noted at the transition points without waiting. */
  readonly history: HistoryWriter;
  readonly events: TypedEmitter<SupervisorEvents>;
  /** The binary this number runs: the configured one, or a candidate during an update rollout. */
  readonly binaryFor: (phoneNumber: string) => string;
  /** Command prefix that ties each child's life to the gateway's (parent-death.ts); null = none. */
  readonly wrapper: readonly string[] | null;
  /** Called when a backoff delay is over; the supervisor restarts under its per-number lock. */
  readonly onRestartDue: (phoneNumber: string) => void;
  /** The child watchdog: told each child's process group, asked about a SIGKILL nobody here sent. */
  readonly watchdog: ChildWatchdog;
  /** The watchdog killed the child while the gateway was unresponsive: the supervisor restarts it (bounded). */
  readonly onWatchdogKill: (phoneNumber: string) => void;
}

/** Printed on stdout once the binary listens (docs/binary-contract.md §3); the substring is stable across versions. */
const READY_LINE = 'Server started on';

interface Running {
  readonly process: ChildProcess;
  readonly port: number;
  readonly binary: string;
  /** Addresses the number's device slot; replaced when the store brought the slot under its JID (ensureDeviceSlot). */
  client: GowaClient;
  readonly webhookSecret: string;
  /** Resolves once the exit has been dealt with (state moved, port released): what a stop waits for. */
  readonly settled: Promise<ChildExit>;
  /** This runner sent the SIGKILL itself (failed start, health verdict): the watchdog need not be asked. */
  killedHere: boolean;
}

/**
 * Supervises one number's child process. Callers (the Supervisor) serialise start/stop per number; this class
 * owns the state machine and is the only place that changes a device's state.
 */
export class DeviceRunner {
  private stateValue: DeviceState;
  private sessionValue: SessionState;
  private child: Running | null = null;
  private stopping: Promise<ChildExit> | null = null;
  private crashes: CrashHistory = EMPTY_HISTORY;
  private runningSince: number | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private healthFailures = 0;
  private log: Logger;
  private key: string;
  private dir: string;
  /** The phone the number's WhatsApp session belongs to, once known (its key, or its recorded login JID). */
  private pairedPhone: string | null;

  /** The child's device slot (docs/binary-contract.md §6): named after the number, or its pending id for life. */
  readonly slotId: string;

  constructor(
    phoneNumber: string,
    sessionDir: string,
    initial: DeviceRow,
    readonly logs: ProcessLogs,
    private readonly deps: RunnerDeps,
  ) {
    this.key = phoneNumber;
    this.dir = sessionDir;
    this.slotId = initial.pendingId ?? phoneNumber;
    this.pairedPhone = phoneOfLoginJid(initial.jid) ?? (isPendingId(phoneNumber) ? null : phoneNumber);
    this.stateValue = initial.state;
    this.sessionValue = initial.sessionState;
    this.log = deps.logger.child({ phoneNumber });
  }

  get phoneNumber(): string {
    return this.key;
  }

  get sessionDir(): string {
    return this.dir;
  }

  /**
   * A bind that kept the child running (distributed mode): the same runner and child, known by `phoneNumber` and its
   * renamed folder from now on. The slot keeps its id; the child keeps the webhook URL it was started with.
   */
  rekey(phoneNumber: string, sessionDir: string): void {
    this.key = phoneNumber;
    this.dir = sessionDir;
    this.pairedPhone = phoneNumber;
    this.log = this.deps.logger.child({ phoneNumber });
  }

  /** The running child announced again under the number's current key (after `rekey`), for what follows a child by key. */
  reannounce(): void {
    const running = this.child;
    if (!running || this.stateValue !== 'running') return;
    const { port, client, webhookSecret, binary } = running;
    this.deps.events.emit('ready', { phoneNumber: this.key, port, client, webhookSecret, binary });
  }

  get state(): DeviceState {
    return this.stateValue;
  }

  get session(): SessionState {
    return this.sessionValue;
  }

  /** The child's API client while it is up; null otherwise. */
  get client(): GowaClient | null {
    return this.child?.client ?? null;
  }

  get webhookSecret(): string | null {
    return this.child?.webhookSecret ?? null;
  }

  get pid(): number | null {
    return this.child?.process.pid ?? null;
  }

  get port(): number | null {
    return this.child?.port ?? null;
  }

  get uptimeMs(): number | null {
    return this.runningSince === null ? null : this.deps.clock.now() - this.runningSince;
  }

  /** Start the child and wait until it is ready or has failed; failures leave a restart scheduled, not an exception. */
  async start(reason: string, origin: StartOrigin): Promise<void> {
    this.cancelRestart();
    if (origin === 'person') this.crashes = EMPTY_HISTORY;
    this.move('start', reason, { desiredState: 'running', stopReason: null, lastError: null });
    const row = this.deps.devices.get(this.phoneNumber);
    let port: number;
    try {
      port = await this.deps.ports.acquire(row?.port ?? null);
    } catch (err) {
      this.onCrash({ code: null, signal: null, error: (err as Error).message }, null);
      return;
    }
    const basicAuth = `gw:${crypto.randomBytes(18).toString('base64url')}`;
    const webhookSecret = crypto.randomBytes(24).toString('hex');
    const { settings } = this.deps;
    let listening = false;
    const binary = this.deps.binaryFor(this.phoneNumber);
    const process = spawnChild({
      binary,
      cwd: this.sessionDir,
      stopGraceMs: settings.stopGraceMs,
      wrapper: this.deps.wrapper,
      env: buildChildEnv(
        { port, basicAuth, webhookSecret, os: settings.appOs, debug: settings.debugChildren, webhookUrl: settings.webhookUrl(this.phoneNumber), storeUri: this.deps.storeUriFor?.(this.phoneNumber) },
        this.deps.env,
      ),
      onLine: (stream, line) => {
        if (stream === 'stdout' && line.includes(READY_LINE)) listening = true;
        this.logs.append(stream, line);
      },
    });
    const client = new GowaClient({ host: '127.0.0.1', port, basicAuth, deviceId: this.slotId });
    let settle: (exit: ChildExit) => void = () => undefined;
    const settled = new Promise<ChildExit>((resolve) => (settle = resolve));
    const running: Running = { process, port, binary, client, webhookSecret, settled, killedHere: false };
    this.child = running;
    if (process.pid !== undefined) this.deps.watchdog.watch(process.pid);
    this.persist({ port, pid: process.pid ?? null, startedAt: this.deps.clock.now() });
    this.logs.append('gateway', `started pid ${process.pid ?? '?'} on port ${port}`);
    void process.exited.then(async (exit) => {
      await this.onExit(running, exit);
      settle(exit);
    });

    const readiness = await waitUntilHealthy(client, process.exited, () => listening, settings.startTimeoutMs);
    if (this.child !== running || this.stateValue !== 'starting') return;
    if (!readiness.ready) {
      this.note('start_failed', { reason: readiness.reason });
      this.killHere(running);
      return;
    }
    try {
      const slot = await this.ensureDeviceSlot(client);
      if (slot !== this.slotId) running.client = new GowaClient({ host: '127.0.0.1', port, basicAuth, deviceId: slot });
    } catch (err) {
      this.note('start_failed', { reason: `device slot: ${(err as Error).message}` });
      this.killHere(running);
      return;
    }
    if (this.child !== running || this.stateValue !== 'starting') return;
    this.runningSince = this.deps.clock.now();
    this.move('ready', 'health check passed');
    this.watchHealth(running);
    this.deps.events.emit('ready', { phoneNumber: this.phoneNumber, port, client: running.client, webhookSecret, binary });
  }

  /** Stop for good (user) or until the next boot (shutdown). Never followed by an automatic restart. */
  async stop(reason: StopReason): Promise<void> {
    this.cancelRestart();
    const intent: DevicePatch = reason === 'user' ? { desiredState: 'stopped', stopReason: 'user' } : { stopReason: reason };
    if (this.stateValue === 'stopping' && this.stopping) {
      await this.stopping;
      return;
    }
    if (this.child && (this.stateValue === 'starting' || this.stateValue === 'running')) {
      this.move('stop', `${reason} stop`, intent);
      void this.child.process.stop();
      this.stopping = this.child.settled;
      await this.stopping;
      return;
    }
    // Without a process, a shutdown changes nothing: a `failed` number stays failed (restored at boot) and a
    // `replaced` one stays replaced (not restarted blindly); only a user's stop moves them to `stopped`.
    if (this.stateValue === 'stopped' || reason !== 'user') this.persist(intent);
    else this.move('stop', `${reason} stop`, intent);
  }

  /**
   * Ownership of the number moved elsewhere (distributed mode): SIGKILL at once, no grace, and never restarted —
   * the new owner may already be connecting. Runs outside the per-number lock (a start may hold it); that start
   * sees the state change and gives up. A start still before its spawn is stopped by the lock-taking stop after.
   */
  killNow(): void {
    this.cancelRestart();
    if (this.child && (this.stateValue === 'starting' || this.stateValue === 'running')) {
      this.move('stop', 'ownership lost', { stopReason: 'shutdown' });
      this.stopping = this.child.settled;
    } else if (this.stateValue === 'backoff') {
      this.move('stop', 'ownership lost', { stopReason: 'shutdown' });
    }
    if (this.child) this.killHere(this.child);
  }

  /** Kill without grace: for a child that must not outlive a failed start or a hung state. */
  kill(): void {
    if (this.child) this.killHere(this.child);
  }

  private killHere(running: Running): void {
    running.killedHere = true;
    running.process.kill();
  }

  /** The child's own view of its WhatsApp session; only the Supervisor calls this (observe, refresh, logout). */
  setSession(to: SessionState, jid: string | null): void {
    const from = this.sessionValue;
    if (from === to && jid === null) return;
    this.sessionValue = to;
    this.pairedPhone = phoneOfLoginJid(jid) ?? this.pairedPhone;
    this.persist(jid === null ? { sessionState: to } : { sessionState: to, jid });
    if (from !== to) {
      this.deps.history.append({ phoneNumber: this.phoneNumber, type: 'session', fromState: from, toState: to, detail: jid ? { jid } : null });
      this.deps.events.emit('session', { phoneNumber: this.phoneNumber, from, to, jid, at: this.deps.clock.now() });
    }
  }

  /** Forget timers (gateway shutdown or device deletion). */
  dispose(): void {
    this.cancelRestart();
    this.stopHealthWatch();
  }

  /**
   * The slot the child is addressed by: the number's own, made when missing. A process started on a session store
   * that already holds the number's session, without the slot registry of the node that paired it (distributed
   * mode: another node took the number over), loads that session as a slot named by its JID (§6); that slot is the
   * number's, and making an empty one beside it would ask for a new pairing.
   */
  private async ensureDeviceSlot(client: GowaClient): Promise<string> {
    const slots = await client.listDevices();
    if (slots.some((slot) => slot.id === this.slotId)) return this.slotId;
    const loaded = this.pairedPhone ? slots.find((slot) => slot.id.includes('@') && phoneOfLoginJid(slot.jid ?? slot.id) === this.pairedPhone) : undefined;
    if (loaded) return loaded.id;
    await client.addDevice(this.slotId);
    return this.slotId;
  }

  private watchHealth(running: Running): void {
    this.healthFailures = 0;
    let inFlight = false;
    const { healthIntervalMs, healthFailures } = this.deps.settings;
    this.healthTimer = setInterval(() => {
      if (inFlight || this.child !== running) return;
      inFlight = true;
      void running.client.health(Math.min(5000, healthIntervalMs)).then((ok) => {
        inFlight = false;
        if (this.child !== running || this.stateValue !== 'running') return;
        this.healthFailures = ok ? 0 : this.healthFailures + 1;
        if (this.healthFailures >= healthFailures) {
          // One verdict per child: the exit handler takes over from here.
          this.stopHealthWatch();
          this.note('unhealthy', { failures: this.healthFailures });
          this.log.warn({ failures: this.healthFailures }, 'child stopped answering its health check; killing it');
          this.killHere(running);
        }
      });
    }, healthIntervalMs);
    this.healthTimer.unref();
  }

  private stopHealthWatch(): void {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = null;
  }

  private async onExit(running: Running, exit: ChildExit): Promise<void> {
    if (this.child !== running) return;
    const pgid = running.process.pid;
    if (pgid !== undefined) this.deps.watchdog.unwatch(pgid);
    // A SIGKILL nobody here sent, while the child should run: the watchdog's, if it says so (see ChildWatchdog.explain).
    // Until it answers the child stays current, so a stop meanwhile waits for this exit to be settled.
    const unexplained = exit.signal === 'SIGKILL' && !running.killedHere && (this.stateValue === 'running' || this.stateValue === 'starting');
    const byWatchdog = unexplained && pgid !== undefined ? await this.deps.watchdog.explain(pgid) : null;
    if (this.child !== running) return;
    this.child = null;
    this.stopping = null;
    this.stopHealthWatch();
    this.deps.ports.release(running.port);
    if (byWatchdog && (this.stateValue === 'running' || this.stateValue === 'starting')) this.onWatchdogKill(exit, running.port, byWatchdog);
    else this.settleExit(exit, running);
  }

  /**
   * Not the child's fault and not a crash: the gateway itself stood still. The crash budget and the backoff are
   * left as they were (a gateway paused twice must not send its numbers to `failed`); the supervisor restarts it.
   */
  private onWatchdogKill(exit: ChildExit, port: number, kill: WatchdogKill): void {
    const reason = `killed by the child watchdog: the gateway was unresponsive for ${(kill.quietMs / 1000).toFixed(1)} s`;
    this.runningSince = null;
    this.logs.append('gateway', reason);
    this.move('watchdog_killed', reason, { pid: null, lastExitCode: exit.code, lastExitSignal: exit.signal, lastError: reason }, { quietMs: kill.quietMs });
    this.announceExit(port, exit, false, true);
    this.deps.onWatchdogKill(this.phoneNumber);
  }

  private settleExit(exit: ChildExit, running: Running): void {
    const exitFields: DevicePatch = { pid: null, lastExitCode: exit.code, lastExitSignal: exit.signal };
    this.logs.append('gateway', `exited code=${exit.code} signal=${exit.signal}${exit.error ? ` error=${exit.error}` : ''}`);
    if (this.stateValue === 'stopping') {
      this.runningSince = null;
      this.move('exited', 'stopped on request', exitFields);
      this.announceExit(running.port, exit, true, false);
      return;
    }
    if (exit.code === 0 && exit.signal === null && exit.error === null) {
      // docs/binary-contract.md §3: exit 0 without a stop request means the session was opened elsewhere
      // (StreamReplaced).
      this.runningSince = null;
      this.move('replaced', 'exit 0 without a stop request: session opened elsewhere', exitFields);
      this.announceExit(running.port, exit, false, false);
      return;
    }
    this.onCrash(exit, running.port, exitFields);
  }

  private onCrash(exit: ChildExit, port: number | null, exitFields: DevicePatch = {}): void {
    const now = this.deps.clock.now();
    const decision = decideRestart(this.deps.policy, this.crashes, now, this.runningSince, () => this.deps.clock.random());
    this.crashes = decision.history;
    this.runningSince = null;
    const restartCount = (this.deps.devices.get(this.phoneNumber)?.restartCount ?? 0) + 1;
    const lastError = exit.error ?? `exit code=${exit.code} signal=${exit.signal}`;
    if (decision.action === 'give_up') {
      this.move('gave_up', `crash loop: ${decision.history.crashes.length} crashes in the window`, { ...exitFields, lastError });
      this.log.error({ crashes: decision.history.crashes.length }, 'crash loop: giving up until a human restart');
      this.announceExit(port, exit, false, false);
      return;
    }
    this.move('crashed', `restart in ${decision.delayMs} ms`, { ...exitFields, lastError, restartCount });
    this.announceExit(port, exit, false, true);
    this.restartTimer = this.deps.clock.setTimeout(() => {
      this.restartTimer = null;
      this.deps.onRestartDue(this.phoneNumber);
    }, decision.delayMs);
  }

  private announceExit(port: number | null, exit: ChildExit, expected: boolean, willRestart: boolean): void {
    this.deps.events.emit('exited', { phoneNumber: this.phoneNumber, port, code: exit.code, signal: exit.signal, expected, willRestart });
  }

  private cancelRestart(): void {
    if (this.restartTimer) this.deps.clock.clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  /** The single transition point: compute, persist, record, announce. */
  private move(event: DeviceEvent, reason: string, patch: DevicePatch = {}, extra: Record<string, unknown> = {}): void {
    const from = this.stateValue;
    const to = transition(from, event);
    this.stateValue = to;
    this.persist({ ...patch, state: to });
    // Exits keep their code and signal in the history too (the device row only has the latest), for the timeline.
    const exit = patch.lastExitCode !== undefined || patch.lastExitSignal !== undefined ? { exitCode: patch.lastExitCode ?? null, signal: patch.lastExitSignal ?? null } : {};
    this.deps.history.append({ phoneNumber: this.phoneNumber, type: event, fromState: from, toState: to, detail: { reason, ...exit, ...extra } });
    this.log.info({ from, to, reason }, 'device state changed');
    this.deps.events.emit('state', { phoneNumber: this.phoneNumber, from, to, cause: event, reason, at: this.deps.clock.now() });
  }

  private note(type: string, detail: Record<string, unknown>): void {
    this.deps.history.append({ phoneNumber: this.phoneNumber, type, detail });
  }

  /** In memory at once, stored behind in order (DeviceDirectory.record): the transition point never waits. */
  private persist(patch: DevicePatch): void {
    this.deps.devices.record(this.phoneNumber, patch);
  }
}
