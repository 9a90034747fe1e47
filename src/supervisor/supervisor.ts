import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import { hasProcess, type SessionState } from '../domain/device-state.js';
import { errors, GatewayError } from '../domain/errors.js';
import { isPendingId, pendingIdFrom, type NumberKey, type PendingId } from '../domain/number-key.js';
import type { PhoneNumber } from '../domain/phone.js';
import type { StartOrigin } from '../domain/restart-policy.js';
import { sessionFromStatus } from '../domain/session.js';
import type { GowaAppStatus } from '../gowa/types.js';
import type { AuditLink } from '../db/ports/audit.js';
import type { DevicePatch, NewDevice } from '../db/ports/devices.js';
import type { DeviceRow } from '../db/schema.js';
import { KeyedLock } from '../lib/keyed-lock.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import { DeviceRunner } from './device-runner.js';
import { HistoryWriter } from './history-writer.js';
import { parentDeathPrefix } from './parent-death.js';
import { ProcessLogs } from './process-logs.js';
import { classifyStalePid, decideRestore, type RestoreSummary } from './reconcile.js';
import { terminatePid } from './stale-process.js';
import type { SupervisorDeps, SupervisorEvents } from './types.js';
import { ChildWatchdog, type WatchdogStatus } from './watchdog/link.js';

/**
 * Owns one DeviceRunner per registered number. Start/stop/restart/delete of a number run under that number's
 * lock; different numbers never wait on each other.
 */
export class Supervisor {
  private readonly emitter: TypedEmitter<SupervisorEvents>;
  /** State and session changes, readiness, exits, removals: what every other layer follows. */
  readonly events: Listenable<SupervisorEvents>;
  private readonly runners = new Map<string, DeviceRunner>();
  private readonly locks = new KeyedLock();
  private readonly binaryOverrides = new Map<string, string>();
  private closing = false;
  private restoreSummary: RestoreSummary = { restored: [], skipped: [], failed: [], finishedAt: null };

  /** How children are made to die with the gateway (see parent-death.ts); null = they are spawned directly. */
  private readonly wrapper: readonly string[] | null;
  /** Kills every child when the gateway stops running (paused, blocked) or dies (DM-16); see watchdog/. */
  private readonly watchdog: ChildWatchdog;
  /** Restarts after a watchdog kill: bounded like a boot restore, since it hits every number at once. */
  private readonly resumes: PQueue;
  /** Every number's history, noted where it happens without waiting for the store. */
  private readonly history: HistoryWriter;

  constructor(private readonly deps: SupervisorDeps) {
    this.emitter = new TypedEmitter((err, event) => deps.logger.error({ err, event }, 'a supervisor listener failed'));
    this.events = this.emitter.view;
    this.wrapper = parentDeathPrefix(deps.env['PATH'] ?? '');
    this.watchdog = new ChildWatchdog(deps.settings.watchdog, deps.logger, deps.env, () => deps.clock.now());
    this.resumes = new PQueue({ concurrency: deps.settings.restoreConcurrency });
    this.history = new HistoryWriter(deps.history, deps.clock, (err, event) => deps.logger.error({ err, phoneNumber: event.phoneNumber, type: event.type }, 'could not store an event of a number\'s history'));
    this.watchdog.events.on('fired', (e) => this.emitter.emit('watchdog-fired', { quietMs: e.quietMs, killedPids: e.killed, at: e.at }));
    if (!this.watchdog.enabled) deps.logger.warn('CHILD_WATCHDOG_TIMEOUT=0: a paused or blocked gateway leaves its children connected to WhatsApp, unsupervised');
    if (!this.wrapper) {
      deps.logger.warn('setpriv (util-linux ≥ 2.33) not found on PATH: children of a gateway killed with SIGKILL run on until the next boot stops them');
    }
  }

  sessionDir(phoneNumber: PhoneNumber | string): string {
    const dir = path.resolve(this.deps.settings.sessionsDir, phoneNumber);
    // Defence in depth: callers pass validated numbers, but nothing may ever resolve outside the sessions folder.
    if (path.dirname(dir) !== path.resolve(this.deps.settings.sessionsDir)) {
      throw errors.invalid('invalid phone number for a session folder');
    }
    return dir;
  }

  runner(phoneNumber: string): DeviceRunner | undefined {
    return this.runners.get(phoneNumber);
  }

  /** The key a number is known by now: a pending id bound to its phone gives the phone; anything else itself. */
  currentKey(key: string): string {
    return this.runners.has(key) ? key : (this.deps.devices.getByPendingId(key)?.phoneNumber ?? key);
  }

  /** Run one number on another binary from its next start (update canaries); null returns it to the default. */
  useBinary(phoneNumber: string, binary: string | null): void {
    if (binary === null) this.binaryOverrides.delete(phoneNumber);
    else this.binaryOverrides.set(phoneNumber, binary);
  }

  /** Every supervised number, in registration order. */
  list(): DeviceRunner[] {
    return [...this.runners.values()];
  }

  get lastRestore(): RestoreSummary {
    return this.restoreSummary;
  }

  /** The child watchdog: on or off, its pid, how often it fired and what it killed last. */
  watchdogStatus(): WatchdogStatus {
    return this.watchdog.status();
  }

  /** Numbers whose process is up or about to be (counts toward MAX_PROCESSES). */
  activeCount(): number {
    let n = 0;
    for (const runner of this.runners.values()) if (hasProcess(runner.state) || runner.state === 'backoff') n++;
    return n;
  }

  /**
   * A number whose phone is not known yet (docs/pending-numbers.md): registered under a fresh pending id, its
   * folder and child made as for any number; `bindPhone` renames it once a phone pairs.
   */
  registerPending(device: Omit<NewDevice, 'phoneNumber' | 'pendingId'>, autoStart: boolean): Promise<DeviceRow> {
    const id = pendingIdFrom(crypto.randomBytes(12));
    return this.register({ ...device, phoneNumber: id, pendingId: id }, autoStart);
  }

  async register(device: NewDevice & { phoneNumber: NumberKey }, autoStart: boolean): Promise<DeviceRow> {
    return this.locks.run(device.phoneNumber, async () => {
      this.assertOpen();
      if (this.deps.devices.get(device.phoneNumber)) {
        throw errors.deviceExists(device.phoneNumber);
      }
      const { place } = this.deps;
      if (autoStart && !place) this.assertCapacity();
      const row = await this.deps.devices.insert({ ...device, state: 'stopped', desiredState: autoStart ? 'running' : 'stopped' });
      this.history.append({ phoneNumber: device.phoneNumber, type: 'registered', toState: 'stopped' });
      if (place) {
        await place(device.phoneNumber, autoStart);
        return this.row(device.phoneNumber);
      }
      const runner = this.attach(row);
      if (autoStart) await runner.start('registered', 'person');
      return this.row(device.phoneNumber);
    });
  }

  /** `origin`: a person's start (the default, from the API) resets the number's crash budget; see StartOrigin. */
  start(phoneNumber: string, origin: StartOrigin = 'person'): Promise<DeviceRow> {
    return this.locks.run(phoneNumber, async () => {
      this.assertOpen();
      const runner = this.require(phoneNumber);
      if (runner.state === 'running' || runner.state === 'starting') return this.row(phoneNumber);
      this.assertCapacity();
      await runner.start('start requested', origin);
      return this.row(phoneNumber);
    });
  }

  stop(phoneNumber: string): Promise<DeviceRow> {
    return this.locks.run(phoneNumber, async () => {
      await this.require(phoneNumber).stop('user');
      return this.row(phoneNumber);
    });
  }

  /**
   * Distributed mode: this node took the number over; supervise the row another node registered (its folder made
   * here) without starting it. Nothing happens when it is supervised here already.
   */
  adopt(phoneNumber: string): Promise<void> {
    return this.locks.run(phoneNumber, async () => {
      this.assertOpen();
      if (this.runners.has(phoneNumber)) return;
      const row = this.deps.devices.get(phoneNumber);
      if (!row) throw errors.deviceNotFound(phoneNumber);
      this.attach({ ...row, state: 'stopped', pid: null });
    });
  }

  /** Distributed mode: stop the child for another node to take the number over; what a user wants stays as it is. */
  handOver(phoneNumber: string): Promise<void> {
    return this.locks.run(phoneNumber, async () => {
      await this.runners.get(phoneNumber)?.stop('shutdown');
    });
  }

  /** SIGKILL the number's child now, outside its lock, never restarted (see DeviceRunner.killNow). */
  killNow(phoneNumber: string): void {
    this.runners.get(phoneNumber)?.killNow();
  }

  restart(phoneNumber: string, origin: StartOrigin = 'person'): Promise<DeviceRow> {
    return this.locks.run(phoneNumber, async () => {
      this.assertOpen();
      const runner = this.require(phoneNumber);
      await runner.stop('user');
      this.assertCapacity();
      await runner.start('restart requested', origin);
      return this.row(phoneNumber);
    });
  }

  /**
   * Change a number's name or webhook settings (nothing about its process), with the audit row that records it.
   * Not async: an unknown number is refused before anything is written, at the call.
   */
  configure(phoneNumber: string, change: Pick<DevicePatch, 'name' | 'webhookUrl' | 'webhookSecret' | 'webhookEvents'>, audit?: AuditLink): Promise<DeviceRow> {
    this.require(phoneNumber);
    return this.deps.devices.update(phoneNumber, change, audit).then((row) => row ?? this.row(phoneNumber));
  }

  /** Log the number out of WhatsApp; the process keeps running, ready for a new QR. */
  logout(phoneNumber: string): Promise<DeviceRow> {
    return this.locks.run(phoneNumber, async () => {
      const runner = this.require(phoneNumber);
      const client = runner.state === 'running' ? runner.client : null;
      if (!client) throw errors.deviceNotRunning(phoneNumber, runner.state);
      await client.logout();
      runner.setSession('logged_out', null);
      return this.row(phoneNumber);
    });
  }

  /**
   * The phone that paired with a pending number: under both keys' locks, stop its child, move every row and the
   * session folder to the phone in one step, start it again. A phone already registered here is refused: nothing
   * moves, the child is logged out (so one phone never has two linked devices here) and waits for another scan.
   */
  bindPhone(pendingId: PendingId, phone: PhoneNumber): Promise<{ bound: true; row: DeviceRow } | { bound: false; reason: string }> {
    return this.locks.run(pendingId, () =>
      this.locks.run(phone, async () => {
        this.assertOpen();
        const runner = this.require(pendingId);
        if (this.deps.devices.get(phone)) return this.refuseBind(runner, phone, `${phone} is already registered as a number of this gateway`);
        if (this.deps.bindKeepsChild) return this.bindRunning(runner, pendingId, phone);
        await runner.stop('rebind');
        runner.dispose();
        this.runners.delete(pendingId);
        const from = this.sessionDir(pendingId);
        const to = this.sessionDir(phone);
        let row: DeviceRow;
        try {
          // What is on its way to the store under the old key moves with the rows, so it must be there first.
          await Promise.all([this.deps.devices.recorded(pendingId), this.history.written(pendingId)]);
          this.deps.beforeRename?.();
          // The folder moves inside the transaction: if the rename fails, no row has moved either.
          row = await this.deps.devices.rename(pendingId, phone, () => {
            if (fs.existsSync(to)) throw new Error(`session folder ${path.basename(to)} already exists`);
            fs.renameSync(from, to);
          });
        } catch (err) {
          const reason = `could not move the number to ${phone}: ${(err as Error).message}`;
          const back = this.attach(this.row(pendingId));
          await back.start('bind failed', 'automatic');
          return this.refuseBind(back, phone, reason);
        }
        this.history.append({ phoneNumber: phone, type: 'bound', detail: { pendingId } });
        this.deps.logger.info({ phoneNumber: phone, pendingId }, 'pending number bound to its phone');
        this.emitter.emit('bound', { phoneNumber: phone, pendingId, at: this.deps.clock.now() });
        const runner2 = this.attach(row);
        if (row.desiredState === 'running' && !this.closing) await runner2.start('phone bound', 'automatic');
        return { bound: true, row: this.row(phone) };
      }),
    );
  }

  /**
   * The bind of distributed mode: the rows (the assignment with its fence among them) and the folder move while the
   * child runs on; then the runner, its logs and whatever follows a child by key know it by the phone. Its session
   * store is named after the pending id for good, so nothing the child holds has moved under it.
   */
  private async bindRunning(runner: DeviceRunner, pendingId: PendingId, phone: PhoneNumber): Promise<{ bound: true; row: DeviceRow } | { bound: false; reason: string }> {
    const from = this.sessionDir(pendingId);
    const to = this.sessionDir(phone);
    try {
      await Promise.all([this.deps.devices.recorded(pendingId), this.history.written(pendingId)]);
      this.deps.beforeRename?.();
      // The child's working folder may be renamed under it: it holds open files, not paths.
      await this.deps.devices.rename(pendingId, phone, () => {
        if (fs.existsSync(to)) throw new Error(`session folder ${path.basename(to)} already exists`);
        fs.renameSync(from, to);
      });
    } catch (err) {
      const reason = `could not move the number to ${phone}: ${(err as Error).message}`;
      // Only a phone that is taken is refused (logged out). Anything else, such as this node losing the number
      // meanwhile, leaves the session paired and the number pending: its next login, here or on its next owner, binds.
      if (err instanceof GatewayError && err.code === 'DEVICE_EXISTS') return this.refuseBind(runner, phone, reason);
      this.deps.logger.warn({ phoneNumber: pendingId, phone, reason }, 'pending number not bound; the next login tries again');
      return { bound: false, reason };
    }
    this.runners.delete(pendingId);
    runner.rekey(phone, to);
    runner.logs.moveTo(path.join(to, 'logs'), (line) => this.emitter.emit('log', { phoneNumber: phone, ...line }));
    this.runners.set(phone, runner);
    const binary = this.binaryOverrides.get(pendingId);
    this.binaryOverrides.delete(pendingId);
    if (binary !== undefined) this.binaryOverrides.set(phone, binary);
    this.history.append({ phoneNumber: phone, type: 'bound', detail: { pendingId } });
    this.deps.logger.info({ phoneNumber: phone, pendingId }, 'pending number bound to its phone; its child runs on');
    this.emitter.emit('bound', { phoneNumber: phone, pendingId, at: this.deps.clock.now() });
    runner.reannounce();
    return { bound: true, row: this.row(phone) };
  }

  private async refuseBind(runner: DeviceRunner, phone: string, reason: string): Promise<{ bound: false; reason: string }> {
    const client = runner.state === 'running' ? runner.client : null;
    try {
      await client?.logout();
    } catch (err) {
      this.deps.logger.warn({ phoneNumber: runner.phoneNumber, err: (err as Error).message }, 'could not log out a refused pairing');
    }
    runner.setSession('logged_out', null);
    this.deps.devices.record(runner.phoneNumber, { lastError: `pairing refused: ${reason}`, jid: null });
    this.history.append({ phoneNumber: runner.phoneNumber, type: 'bind_refused', detail: { phone, reason } });
    this.deps.logger.warn({ phoneNumber: runner.phoneNumber, phone, reason }, 'pairing of a pending number refused');
    this.emitter.emit('bind-refused', { phoneNumber: runner.phoneNumber, phone, reason, at: this.deps.clock.now() });
    return { bound: false, reason };
  }

  /**
   * What a child revealed about its WhatsApp session (a `/ws` frame, a login answer): the one way session state
   * changes, besides logout and refresh below.
   */
  observeSession(phoneNumber: string, to: SessionState, jid: string | null): void {
    this.runners.get(phoneNumber)?.setSession(to, jid);
  }

  /**
   * Ask the running child for its `/app/status` and take its session from it; null when nothing runs. The answer
   * is applied only to the child that gave it (a restart meanwhile makes it stale).
   */
  async refreshSession(phoneNumber: string): Promise<GowaAppStatus | null> {
    const runner = this.require(phoneNumber);
    const client = runner.state === 'running' ? runner.client : null;
    if (!client) return null;
    const status = await client.appStatus();
    if (runner.client === client) runner.setSession(sessionFromStatus(runner.session, status), status.is_logged_in && status.jid ? status.jid : null);
    return status;
  }

  remove(phoneNumber: string, purge: boolean): Promise<void> {
    return this.locks.run(phoneNumber, async () => {
      const runner = this.require(phoneNumber);
      await runner.stop('user');
      runner.dispose();
      this.runners.delete(phoneNumber);
      await this.deps.devices.delete(phoneNumber);
      this.history.append({ phoneNumber, type: purge ? 'deleted_and_purged' : 'deleted' });
      const dir = this.sessionDir(phoneNumber);
      if (purge) await fs.promises.rm(dir, { recursive: true, force: true });
      else await this.setAside(phoneNumber, dir);
      this.emitter.emit('removed', { phoneNumber, purged: purge });
    });
  }

  /**
   * Boot: load every device, deal with PIDs left by a previous run, then start again those that should run,
   * with bounded concurrency and jitter so hundreds of numbers do not start in one burst.
   */
  async restore(): Promise<RestoreSummary> {
    const summary: RestoreSummary = { restored: [], skipped: [], failed: [], finishedAt: null };
    const rows = this.deps.devices.list();
    // Attach every number first, so the API knows them all while stale PIDs are dealt with and starts run.
    const runners = rows.map((row) => this.attach({ ...row, state: hasProcess(row.state) || row.state === 'backoff' ? 'stopped' : row.state }));
    const toStart: DeviceRunner[] = [];
    for (const [i, row] of rows.entries()) {
      const runner = runners[i];
      if (!runner) continue;
      const dir = this.sessionDir(row.phoneNumber);
      this.recoverFolder(row, dir);
      await this.settleStalePid(row, dir);
      this.deps.devices.record(row.phoneNumber, { state: runner.state, pid: null });
      const decision = decideRestore(row, dir);
      if (decision.restore) toStart.push(runner);
      else {
        summary.skipped.push({ phoneNumber: row.phoneNumber, reason: decision.reason });
        this.history.append({ phoneNumber: row.phoneNumber, type: 'restore_skipped', detail: { reason: decision.reason } });
      }
    }
    const { restoreConcurrency, restoreJitterMs } = this.deps.settings;
    const queue = new PQueue({ concurrency: restoreConcurrency });
    for (const [index, runner] of toStart.entries()) {
      void queue.add(async () => {
        if (this.closing) return;
        // Jitter staggers the first wave; after it, starts already come apart as each one takes its own time.
        // (Jitter before every start left each slot idle ~RESTORE_JITTER/2 per number: 6 s of 25 s for 200.)
        if (index < restoreConcurrency) await new Promise((resolve) => setTimeout(resolve, Math.floor(this.deps.clock.random() * restoreJitterMs)));
        const outcome = await this.locks.run(runner.phoneNumber, () => this.restoreOne(runner));
        if (outcome === 'restored') summary.restored.push(runner.phoneNumber);
        else summary[outcome.list].push({ phoneNumber: runner.phoneNumber, reason: outcome.reason });
      });
    }
    await queue.onIdle();
    this.restoreSummary = { ...summary, finishedAt: this.deps.clock.now() };
    this.deps.logger.info(
      { restored: summary.restored.length, skipped: summary.skipped, failed: summary.failed },
      'boot restore finished',
    );
    return this.restoreSummary;
  }

  /**
   * One number's restore, under its lock. Users may act while boot restore runs: a number deleted, stopped or
   * started meanwhile is left as the user left it.
   */
  private async restoreOne(runner: DeviceRunner): Promise<'restored' | { list: 'skipped' | 'failed'; reason: string }> {
    const row = this.deps.devices.get(runner.phoneNumber);
    if (this.runners.get(runner.phoneNumber) !== runner || !row) return { list: 'skipped', reason: 'deleted during restore' };
    if (row.desiredState !== 'running') return { list: 'skipped', reason: 'stopped by a user during restore' };
    if (runner.state !== 'stopped' && runner.state !== 'failed') return { list: 'skipped', reason: `already ${runner.state}` };
    if (this.activeCount() >= this.deps.settings.maxProcesses) {
      return { list: 'failed', reason: `MAX_PROCESSES (${this.deps.settings.maxProcesses}) numbers already running` };
    }
    await runner.start('boot restore', 'automatic');
    const after = this.runners.get(runner.phoneNumber)?.state;
    return after === 'running' ? 'restored' : { list: 'failed', reason: `state ${after ?? 'gone'} after start` };
  }

  /** Stop every child (bounded concurrency), remembering they were stopped by the shutdown, not by a user. */
  async shutdown(concurrency = 8): Promise<void> {
    this.closing = true;
    const queue = new PQueue({ concurrency });
    for (const runner of this.runners.values()) {
      void queue.add(() =>
        this.locks.run(runner.phoneNumber, async () => {
          await runner.stop('shutdown');
          runner.dispose();
        }),
      );
    }
    await queue.onIdle();
    this.resumes.clear();
    await this.watchdog.close();
    // The last states and history of every number are stored before whoever closes the database does.
    await Promise.all([this.deps.devices.recorded(), this.history.written()]);
  }

  row(phoneNumber: string): DeviceRow {
    const row = this.deps.devices.get(phoneNumber);
    if (!row) throw errors.deviceNotFound(phoneNumber);
    return row;
  }

  private attach(row: DeviceRow): DeviceRunner {
    const { settings } = this.deps;
    const dir = this.sessionDir(row.phoneNumber);
    fs.mkdirSync(dir, { recursive: true });
    const logs = new ProcessLogs(path.join(dir, 'logs'), settings.logBufferLines, settings.logFileMaxBytes, (line) => this.emitter.emit('log', { phoneNumber: row.phoneNumber, ...line }));
    const runner = new DeviceRunner(row.phoneNumber, dir, row, logs, {
      ...this.deps,
      history: this.history,
      events: this.emitter,
      binaryFor: (phoneNumber) => this.binaryOverrides.get(phoneNumber) ?? settings.binary,
      wrapper: this.wrapper,
      onRestartDue: (phoneNumber) => void this.restartAfterBackoff(phoneNumber),
      watchdog: this.watchdog,
      onWatchdogKill: (phoneNumber) => void this.resumes.add(() => this.restartAfterWatchdog(phoneNumber)),
    });
    this.runners.set(row.phoneNumber, runner);
    return runner;
  }

  /**
   * Without purge the folder is kept for an operator (`sessions/.deleted/<number>-<time>`), but out of the way:
   * whoever registers the number next must not inherit its WhatsApp session and chats.
   */
  private async setAside(phoneNumber: string, dir: string): Promise<void> {
    if (!fs.existsSync(dir)) return;
    const graveyard = path.join(path.resolve(this.deps.settings.sessionsDir), '.deleted');
    await fs.promises.mkdir(graveyard, { recursive: true });
    await fs.promises.rename(dir, path.join(graveyard, `${phoneNumber}-${this.deps.clock.now()}`));
  }

  private async restartAfterBackoff(phoneNumber: string): Promise<void> {
    await this.locks.run(phoneNumber, async () => {
      const runner = this.runners.get(phoneNumber);
      if (!runner || this.closing || runner.state !== 'backoff') return;
      await runner.start('backoff over', 'automatic');
    });
  }

  /**
   * A number whose child the watchdog killed, once the gateway runs again: started as it was, unless someone acted
   * on it meanwhile or `mayRestart` says the number is no longer this gateway's to run (distributed mode after a
   * pause past the lease: the node agent stops it when the loss arrives).
   */
  private async restartAfterWatchdog(phoneNumber: string): Promise<void> {
    await this.locks.run(phoneNumber, async () => {
      const runner = this.runners.get(phoneNumber);
      if (!runner || this.closing || runner.state !== 'backoff') return;
      if (this.deps.mayRestart && !this.deps.mayRestart(phoneNumber)) {
        this.deps.logger.warn({ phoneNumber }, 'not restarting after the watchdog kill: this node may no longer run the number');
        return;
      }
      await runner.start('restart after the watchdog kill', 'automatic');
    });
  }

  /**
   * A bind cut off between the folder's rename and the commit left the folder under the phone while the rows still
   * name the pending id: move it back (the next login binds again).
   */
  private recoverFolder(row: DeviceRow, dir: string): void {
    if (!isPendingId(row.phoneNumber) || fs.existsSync(path.join(dir, 'storages')) || !row.jid) return;
    const phone = /^([0-9]{8,15})@/.exec(row.jid)?.[1];
    if (!phone || this.deps.devices.get(phone)) return;
    const moved = this.sessionDir(phone);
    if (!fs.existsSync(moved)) return;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(moved, dir);
    this.deps.logger.warn({ phoneNumber: row.phoneNumber, phone }, 'moved back the session folder of a bind that did not finish');
  }

  private async settleStalePid(row: DeviceRow, dir: string): Promise<void> {
    const outcome = classifyStalePid(row.pid, dir);
    if (outcome === 'ours' && row.pid !== null) {
      this.deps.logger.warn({ phoneNumber: row.phoneNumber, pid: row.pid }, 'stopping a child left by a previous run');
      await terminatePid(row.pid, this.deps.settings.stopGraceMs);
    } else if (outcome === 'foreign') {
      this.deps.logger.warn({ phoneNumber: row.phoneNumber, pid: row.pid }, 'recorded PID now belongs to another program; not touched');
    }
    if (outcome !== 'none') this.history.append({ phoneNumber: row.phoneNumber, type: 'stale_pid', detail: { pid: row.pid, outcome } });
  }

  private require(phoneNumber: string): DeviceRunner {
    const runner = this.runners.get(phoneNumber);
    if (runner) return runner;
    // Distributed mode: a number every node knows, supervised by its owner only.
    throw this.deps.place && this.deps.devices.get(phoneNumber) ? errors.onOtherNode(phoneNumber) : errors.deviceNotFound(phoneNumber);
  }

  private assertCapacity(): void {
    const max = this.deps.settings.maxProcesses;
    if (this.activeCount() >= max) {
      throw new GatewayError('MAX_PROCESSES_REACHED', `MAX_PROCESSES (${max}) numbers are already running; stop one or raise MAX_PROCESSES`, {
        maxProcesses: max,
      });
    }
  }

  private assertOpen(): void {
    if (this.closing) throw errors.shuttingDown();
  }
}
