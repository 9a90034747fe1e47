import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import readline from 'node:readline';
import type { Logger } from '../../lib/logger.js';
import { TypedEmitter, type Listenable } from '../../lib/typed-emitter.js';
import { encode, parseFromWatchdog, type ToWatchdog } from './protocol.js';

export interface WatchdogSettings {
  /** Silence after which the watchdog kills every child (CHILD_WATCHDOG_TIMEOUT); 0 = no watchdog. */
  readonly timeoutMs: number;
  /** The watchdog program (dist/supervisor/watchdog/main.js). */
  readonly program: string;
}

/** What the watchdog reported after a silence of the gateway. `at`: wall clock when the gateway read it. */
export interface WatchdogKill {
  readonly at: number;
  readonly quietMs: number;
  readonly killed: readonly number[];
}

export interface WatchdogEvents {
  [event: string]: unknown;
  fired: WatchdogKill & { readonly failed: readonly { readonly pgid: number; readonly error: string }[] };
}

export interface WatchdogStatus {
  readonly enabled: boolean;
  readonly timeoutMs: number;
  /** The watchdog's pid while it runs; null when off, not started yet (no child so far) or gone. */
  readonly pid: number | null;
  /** Times it was started again after it died. */
  readonly respawns: number;
  /** It died and is about to be started again: a pause now would leave the children unsupervised. */
  readonly restarting: boolean;
  readonly fired: number;
  readonly lastFired: WatchdogKill | null;
}

/** How long an answer to `sync` may take before the gateway decides without it (the watchdog may be dead). */
const SYNC_TIMEOUT_MS = 2000;
/** A watchdog that dies is started again after 1 s, doubling to 60 s while it keeps dying within a minute of its start. */
const RESPAWN_DELAY_MS = 1000;
const RESPAWN_MAX_DELAY_MS = 60_000;
/** Reports kept for `explain` (a child whose exit was settled otherwise never asks). */
const KEEP_REPORTS_MS = 10 * 60_000;

/**
 * The gateway's end of the child watchdog (main.ts beside this file): starts it with the first child, sends it a
 * heartbeat from a timer and the process group of every child, and reads back what it killed. Started again if it
 * dies. Adds nothing to the per-message path: one line per second and one per child start and exit.
 */
export class ChildWatchdog {
  private readonly emitter: TypedEmitter<WatchdogEvents>;
  readonly events: Listenable<WatchdogEvents>;
  private child: ChildProcessWithoutNullStreams | null = null;
  private beatTimer: NodeJS.Timeout | null = null;
  private respawnTimer: NodeJS.Timeout | null = null;
  private readonly groups = new Set<number>();
  /** pgid → the report that named it, until a child's exit asks. */
  private readonly reports = new Map<number, WatchdogKill>();
  private readonly syncs = new Map<number, () => void>();
  private nextSync = 1;
  private pendingSync: Promise<void> | null = null;
  private respawns = 0;
  /** Deaths in a row, each within a minute of its start: drives the respawn delay. */
  private quickDeaths = 0;
  private startedAt = 0;
  private firedCount = 0;
  private lastFired: WatchdogKill | null = null;
  private closed = false;

  constructor(
    private readonly settings: WatchdogSettings,
    private readonly logger: Logger,
    private readonly env: NodeJS.ProcessEnv,
    private readonly now: () => number = Date.now,
  ) {
    this.emitter = new TypedEmitter((err, event) => logger.error({ err, event }, 'a watchdog listener failed'));
    this.events = this.emitter.view;
  }

  get enabled(): boolean {
    return this.settings.timeoutMs > 0;
  }

  status(): WatchdogStatus {
    return { enabled: this.enabled, timeoutMs: this.settings.timeoutMs, pid: this.child?.pid ?? null, respawns: this.respawns, restarting: this.respawnTimer !== null, fired: this.firedCount, lastFired: this.lastFired };
  }

  /** A child was spawned as the leader of its own process group `pgid`. */
  watch(pgid: number): void {
    if (!this.enabled || this.closed) return;
    this.groups.add(pgid);
    this.reports.delete(pgid);
    // The first child starts the watchdog (which is then told every group); a gateway without children runs none.
    if (!this.child && !this.respawnTimer) this.spawn();
    else this.send({ t: 'watch', pgid });
  }

  unwatch(pgid: number): void {
    if (!this.groups.delete(pgid)) return;
    this.send({ t: 'unwatch', pgid });
  }

  /**
   * Whether the watchdog killed this group: asked when a child died of a SIGKILL nobody here sent. The report may
   * still be in the pipe (the gateway resumes and sees the exits first), so unless it has been read already this
   * asks the watchdog for everything it did so far and waits for the answer.
   */
  async explain(pgid: number): Promise<WatchdogKill | null> {
    if (!this.enabled) return null;
    if (!this.reports.has(pgid) && this.child) await this.sync();
    const report = this.reports.get(pgid) ?? null;
    this.reports.delete(pgid);
    return report;
  }

  /** Stop the heartbeat and close the pipe: the watchdog kills what is still listed (nothing, after a shutdown) and exits. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopBeats();
    if (this.respawnTimer) clearTimeout(this.respawnTimer);
    this.respawnTimer = null;
    const child = this.child;
    if (!child) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin.end();
    await Promise.race([gone, new Promise<void>((resolve) => setTimeout(resolve, SYNC_TIMEOUT_MS).unref())]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private spawn(): void {
    // Its own process group (detached), so a signal to the gateway's group (kill -9 -<pgid>, ^Z in a terminal) leaves
    // it to do its job; and no secrets: only the SIM_* tags the test run and the stand-in use.
    const env = Object.fromEntries(Object.entries(this.env).filter(([key]) => key.startsWith('SIM_')));
    const child = spawn(process.execPath, [this.settings.program, String(this.settings.timeoutMs)], { detached: true, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.startedAt = performance.now();
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => this.logger.error({ err }, 'child watchdog: could not start it'));
    readline.createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => this.receive(line));
    readline.createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => this.logger.warn({ line }, 'child watchdog said'));
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    // Groups known before a respawn: the new watchdog must hold them too.
    for (const pgid of this.groups) this.send({ t: 'watch', pgid });
    this.startBeats();
  }

  private startBeats(): void {
    this.stopBeats();
    // Four beats per timeout at least (one per second at most), so one late beat never looks like a pause.
    const intervalMs = Math.max(50, Math.min(1000, Math.floor(this.settings.timeoutMs / 4)));
    let last = performance.now();
    this.beatTimer = setInterval(() => {
      const now = performance.now();
      // The gateway's own view of a pause, from the monotonic clock: logged whether or not the watchdog fired.
      if (now - last > this.settings.timeoutMs) this.logger.warn({ stalledMs: Math.round(now - last), timeoutMs: this.settings.timeoutMs }, 'the gateway did not run for longer than CHILD_WATCHDOG_TIMEOUT (paused or blocked)');
      last = now;
      this.send({ t: 'beat' });
    }, intervalMs);
    this.beatTimer.unref();
  }

  private stopBeats(): void {
    if (this.beatTimer) clearInterval(this.beatTimer);
    this.beatTimer = null;
  }

  private send(message: ToWatchdog): void {
    const child = this.child;
    if (!child || child.stdin.destroyed) return;
    child.stdin.write(encode(message));
  }

  private sync(): Promise<void> {
    this.pendingSync ??= new Promise<void>((resolve) => {
      const id = this.nextSync++;
      const timer = setTimeout(() => {
        this.logger.warn({ timeoutMs: SYNC_TIMEOUT_MS }, 'child watchdog: no answer; deciding without it');
        done();
      }, SYNC_TIMEOUT_MS);
      const done = (): void => {
        clearTimeout(timer);
        this.syncs.delete(id);
        this.pendingSync = null;
        resolve();
      };
      this.syncs.set(id, done);
      this.send({ t: 'sync', id });
    });
    return this.pendingSync;
  }

  private receive(line: string): void {
    const message = parseFromWatchdog(line);
    if (!message) return;
    if (message.t === 'synced') this.syncs.get(message.id)?.();
    else if (message.t === 'fired') this.fired(message.quietMs, message.killed, message.failed);
  }

  private fired(quietMs: number, killed: readonly number[], failed: readonly { pgid: number; error: string }[]): void {
    const report: WatchdogKill = { at: this.now(), quietMs, killed };
    for (const [pgid, old] of this.reports) if (report.at - old.at > KEEP_REPORTS_MS) this.reports.delete(pgid);
    for (const pgid of killed) {
      this.reports.set(pgid, report);
      this.groups.delete(pgid);
    }
    this.firedCount++;
    this.lastFired = report;
    this.logger.error(
      { quietMs, killed: killed.length, failed, timeoutMs: this.settings.timeoutMs },
      `child watchdog: the gateway was unresponsive for ${(quietMs / 1000).toFixed(1)} s; it killed ${killed.length} child process group(s)`,
    );
    this.emitter.emit('fired', { ...report, failed });
  }

  private exited(child: ChildProcessWithoutNullStreams, code: number | null, signal: string | null): void {
    if (this.child !== child) return;
    this.child = null;
    this.stopBeats();
    for (const done of [...this.syncs.values()]) done();
    if (this.closed) return;
    this.respawns++;
    this.quickDeaths = performance.now() - this.startedAt < RESPAWN_MAX_DELAY_MS ? this.quickDeaths + 1 : 1;
    const delayMs = Math.min(RESPAWN_MAX_DELAY_MS, RESPAWN_DELAY_MS * 2 ** (this.quickDeaths - 1));
    this.logger.error({ code, signal, children: this.groups.size }, `child watchdog exited; starting it again in ${delayMs} ms (until then a paused gateway leaves its children running)`);
    this.respawnTimer = setTimeout(() => {
      this.respawnTimer = null;
      if (!this.closed) this.spawn();
    }, delayMs);
    this.respawnTimer.unref();
  }
}
