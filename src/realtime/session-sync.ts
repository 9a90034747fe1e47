import { sessionFromStatus } from '../domain/session.js';
import type { Logger } from '../lib/logger.js';
import type { TypedEmitter } from '../lib/typed-emitter.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { ChildFeedEvents } from './types.js';

/** `Successfully pair with 628123:12@s.whatsapp.net` → `628123@s.whatsapp.net` (the user JID, no device part). */
export function jidFromLoginMessage(message: string): string | null {
  const match = /([0-9]+)(?::[0-9]+)?@s\.whatsapp\.net/.exec(message);
  return match ? `${match[1]}@s.whatsapp.net` : null;
}

/**
 * Keeps each number's session state true to what its child says: LOGIN_SUCCESS and DEVICE_LOGGED_OUT frames
 * (contract §9), plus one `/app/status` look after start, since the binary sends no frame when it reconnects
 * a saved session by itself.
 */
export class SessionSync {
  private readonly unsubscribe: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly supervisor: Supervisor,
    feed: TypedEmitter<ChildFeedEvents>,
    private readonly logger: Logger,
    statusDelayMs: number,
  ) {
    this.unsubscribe.push(
      feed.on('frame', ({ phoneNumber, frame }) => {
        const runner = supervisor.runner(phoneNumber);
        if (!runner) return;
        if (frame.code === 'LOGIN_SUCCESS') runner.setSession('logged_in', jidFromLoginMessage(frame.message));
        else if (frame.code === 'DEVICE_LOGGED_OUT') runner.setSession('logged_out', null);
      }),
      // Frames sent while the link was down are lost (the binary replays nothing on connect): look again.
      feed.on('feed-open', ({ phoneNumber }) => void this.refresh(phoneNumber)),
      supervisor.events.on('ready', ({ phoneNumber }) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void this.refresh(phoneNumber);
        }, statusDelayMs);
        timer.unref();
        this.timers.add(timer);
      }),
    );
  }

  async refresh(phoneNumber: string): Promise<void> {
    const runner = this.supervisor.runner(phoneNumber);
    const client = runner?.state === 'running' ? runner.client : null;
    if (!runner || !client) return;
    try {
      const status = await client.appStatus();
      runner.setSession(sessionFromStatus(runner.session, status), status.is_logged_in && status.jid ? status.jid : null);
    } catch (err) {
      this.logger.debug({ phoneNumber, err: (err as Error).message }, 'status refresh failed');
    }
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    for (const timer of this.timers) clearTimeout(timer);
  }
}
