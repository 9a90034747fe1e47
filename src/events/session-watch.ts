import type { Logger } from '../lib/logger.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { ChildFeedEvents } from './child-feed-events.js';

/** `Successfully pair with 628123:12@s.whatsapp.net` → `628123@s.whatsapp.net` (the user JID, no device part). */
export function jidFromLoginMessage(message: string): string | null {
  const match = /([0-9]+)(?::[0-9]+)?@s\.whatsapp\.net/.exec(message);
  return match ? `${match[1]}@s.whatsapp.net` : null;
}

/**
 * Tells the supervisor (the one owner of session state) what the children reveal about their WhatsApp session:
 * LOGIN_SUCCESS and DEVICE_LOGGED_OUT frames (docs/binary-contract.md §9), plus one `/app/status` look after
 * start and after every feed reconnect, since the binary sends no frame when it reconnects a saved session by
 * itself and replays nothing on connect.
 */
export class SessionWatch {
  private readonly unsubscribe: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly supervisor: Supervisor,
    feed: Listenable<ChildFeedEvents>,
    private readonly logger: Logger,
    statusDelayMs: number,
  ) {
    this.unsubscribe.push(
      feed.on('frame', ({ phoneNumber, frame }) => {
        if (frame.code === 'LOGIN_SUCCESS') supervisor.observeSession(phoneNumber, 'logged_in', jidFromLoginMessage(frame.message));
        else if (frame.code === 'DEVICE_LOGGED_OUT') supervisor.observeSession(phoneNumber, 'logged_out', null);
      }),
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

  close(): void {
    for (const off of this.unsubscribe) off();
    for (const timer of this.timers) clearTimeout(timer);
  }

  private async refresh(phoneNumber: string): Promise<void> {
    try {
      await this.supervisor.refreshSession(phoneNumber);
    } catch (err) {
      this.logger.debug({ phoneNumber, err: (err as Error).message }, 'status refresh failed');
    }
  }
}
