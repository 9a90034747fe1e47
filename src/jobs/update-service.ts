import type { NumberFilter } from '../domain/phone.js';
import { GatewayError } from '../domain/errors.js';
import { compareVersions, formatVersion, parseVersion } from '../domain/version.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter } from '../lib/typed-emitter.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { BinaryInstaller } from './binary-installer.js';
import { fetchLatestRelease } from './release-feed.js';
import { rollOut, type RolloutResult } from './rollout.js';

export type AutoUpdateMode = 'off' | 'check' | 'apply';

export interface UpdateStatus {
  readonly mode: AutoUpdateMode;
  readonly current: string | null;
  readonly latest: string | null;
  readonly available: boolean;
  readonly checkedAt: string | null;
  readonly error: string | null;
  readonly inProgress: boolean;
  readonly lastRollout: (RolloutResult & { version: string; at: string }) | null;
}

/** A rollout as one reader may see it: moved numbers and the failed one limited to theirs. */
export function scopedRollout<T extends { readonly moved: readonly string[]; readonly failedOn: string | null }>(rollout: T, visible: NumberFilter): T {
  const failedOn = rollout.failedOn !== null && visible([rollout.failedOn]).length > 0 ? rollout.failedOn : null;
  return { ...rollout, moved: visible(rollout.moved), failedOn };
}

/** The update status as one reader may see it. */
export function scopedStatus(status: UpdateStatus, visible: NumberFilter): UpdateStatus {
  return { ...status, lastRollout: status.lastRollout ? scopedRollout(status.lastRollout, visible) : null };
}

export interface UpdateEvents {
  [event: string]: unknown;
  'update-available': { current: string | null; latest: string };
  'update-applied': RolloutResult & { version: string };
}

export interface UpdateDeps {
  readonly mode: AutoUpdateMode;
  readonly feedUrl: string;
  readonly soakMs: number;
  readonly installer: BinaryInstaller;
  readonly supervisor: Supervisor;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The version a running child reports (`/app/info`), when no version file exists. */
  readonly reportedVersion: () => string | null;
}

/** Checks the release feed, and in `apply` mode stages the new binary and rolls it out behind a canary. */
export class UpdateService {
  readonly events = new TypedEmitter<UpdateEvents>();
  private state: Omit<UpdateStatus, 'mode' | 'current'> = { latest: null, available: false, checkedAt: null, error: null, inProgress: false, lastRollout: null };

  constructor(private readonly deps: UpdateDeps) {}

  status(): UpdateStatus {
    return { mode: this.deps.mode, current: this.currentVersion(), ...this.state };
  }

  async check(): Promise<UpdateStatus> {
    try {
      const latest = await fetchLatestRelease(this.deps.feedUrl);
      const current = parseVersion(this.currentVersion() ?? '');
      const available = current === null || compareVersions(latest, current) > 0;
      this.state = { ...this.state, latest: formatVersion(latest), available, checkedAt: new Date(this.deps.clock.now()).toISOString(), error: null };
      if (available) {
        this.deps.logger.info({ current: this.currentVersion(), latest: formatVersion(latest) }, 'a newer WhatsApp binary is available');
        this.events.emit('update-available', { current: this.currentVersion(), latest: formatVersion(latest) });
      }
    } catch (err) {
      this.state = { ...this.state, checkedAt: new Date(this.deps.clock.now()).toISOString(), error: (err as Error).message };
      this.deps.logger.warn({ err: (err as Error).message }, 'update check failed');
    }
    return this.status();
  }

  /** Stage the latest release and move every running number onto it, canary first; roll back on the first failure. */
  async apply(): Promise<UpdateStatus> {
    if (this.state.inProgress) throw new GatewayError('UPDATE_IN_PROGRESS', 'an update is already being applied');
    // Claimed before the first await: the schedule and an operator's call must not both get past the check.
    this.state = { ...this.state, inProgress: true };
    try {
      const status = await this.check();
      if (status.error) throw new GatewayError('UPDATE_FAILED', status.error);
      if (!status.available || !status.latest) return { ...status, inProgress: false };
      const version = status.latest;
      const staged = await this.deps.installer.stage(version);
      const result = await rollOut(this.deps.supervisor, staged, this.deps.soakMs, this.deps.logger);
      if (result.ok) this.deps.installer.promote(staged, version);
      else this.deps.installer.discard(staged);
      this.state = { ...this.state, available: !result.ok, lastRollout: { ...result, version, at: new Date(this.deps.clock.now()).toISOString() } };
      this.events.emit('update-applied', { ...result, version });
      this.deps.logger.info({ version, ok: result.ok, failedOn: result.failedOn, reason: result.reason }, 'binary rollout finished');
      return this.status();
    } catch (err) {
      this.state = { ...this.state, error: (err as Error).message };
      throw err;
    } finally {
      this.state = { ...this.state, inProgress: false };
    }
  }

  private currentVersion(): string | null {
    const recorded = this.deps.installer.installedVersion() ?? this.deps.reportedVersion();
    const parsed = recorded ? parseVersion(recorded) : null;
    return parsed ? formatVersion(parsed) : null;
  }
}
