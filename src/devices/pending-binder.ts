import { isPendingId, phoneOfLoginJid } from '../domain/number-key.js';
import type { Logger } from '../lib/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';

/**
 * Numbers created before their phone was known get it when it pairs: the login's JID names the phone, and the
 * supervisor renames the number to it (or refuses a phone that is already registered). docs/pending-numbers.md.
 */
export class PendingBinder {
  private readonly off: () => void;
  private readonly running = new Set<Promise<unknown>>();

  constructor(supervisor: Supervisor, logger: Logger) {
    this.off = supervisor.events.on('session', ({ phoneNumber, to, jid }) => {
      if (to !== 'logged_in' || !isPendingId(phoneNumber)) return;
      const phone = phoneOfLoginJid(jid);
      if (!phone) {
        logger.warn({ phoneNumber, jid }, 'a pending number logged in without a phone JID; it stays pending');
        return;
      }
      const work = supervisor
        .bindPhone(phoneNumber, phone)
        .catch((err: unknown) => logger.error({ err, phoneNumber, phone }, 'binding a pending number to its phone failed'))
        .finally(() => this.running.delete(work));
      this.running.add(work);
    });
  }

  /** Stop listening; binds under way finish (the supervisor's shutdown waits for its locks). */
  async close(): Promise<void> {
    this.off();
    await Promise.allSettled([...this.running]);
  }
}
