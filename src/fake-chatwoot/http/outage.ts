/**
 * "Chatwoot is down" (`/_fake/down`): `refuse` closes the API port (connections refused) for a while;
 * `error` keeps it open and answers every API request with a 5xx (nginx in front of a dead app). Either
 * ends at `/_fake/up`, on reset, or by itself after `duration_ms`.
 */
import type { Clock } from '../lib/time.js';
import { injectedReply } from './error-pages.js';
import type { Listener } from './listener.js';
import type { Reply } from './reply.js';

export type OutageMode = 'refuse' | 'error';

export interface OutageState {
  readonly mode: OutageMode | 'up';
  readonly status: number | null;
  readonly until: number | null;
}

export class Outage {
  private state: OutageState = { mode: 'up', status: null, until: null };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly api: Listener,
    private readonly now: Clock,
  ) {}

  get current(): OutageState {
    this.expire();
    return this.state;
  }

  async down(mode: OutageMode, status: number, durationMs: number | undefined): Promise<OutageState> {
    await this.up();
    this.state = { mode, status: mode === 'error' ? status : null, until: durationMs === undefined ? null : this.now() + durationMs };
    if (mode === 'refuse') await this.api.pause();
    if (durationMs !== undefined) {
      this.timer = setTimeout(() => void this.up(), durationMs);
      this.timer.unref();
    }
    return this.state;
  }

  async up(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.state = { mode: 'up', status: null, until: null };
    await this.api.resume();
  }

  /** The answer while in `error` mode, else undefined. */
  errorReply(accept: string): Reply | undefined {
    const state = this.current;
    return state.mode === 'error' ? injectedReply(state.status ?? 502, accept) : undefined;
  }

  private expire(): void {
    if (this.state.mode === 'error' && this.state.until !== null && this.state.until <= this.now()) {
      this.state = { mode: 'up', status: null, until: null };
    }
  }
}
