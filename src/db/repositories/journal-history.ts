import type { JournalHistory } from '../ports/journal.js';
import type { EventRow } from '../schema.js';
import type { EventRepository } from './events.js';

/** The journal's history on SQLite, over the repository the single-host journal writes through. */
export class SqliteJournalHistory implements JournalHistory {
  constructor(private readonly repo: EventRepository) {}

  async lastSeq(phoneNumber: string): Promise<number> {
    return this.repo.lastSeq(phoneNumber);
  }

  async firstSeq(phoneNumber: string): Promise<number | null> {
    return this.repo.firstSeq(phoneNumber);
  }

  async after(phoneNumber: string, since: number, limit: number): Promise<EventRow[]> {
    return this.repo.after(phoneNumber, since, limit);
  }

  async newestAfter(phoneNumber: string, since: number, limit: number, upTo?: number): Promise<EventRow[]> {
    return this.repo.newestAfter(phoneNumber, since, limit, upTo);
  }

  async countAfter(phoneNumber: string, since: number): Promise<number> {
    return this.repo.countAfter(phoneNumber, since);
  }

  async deleteForNumber(phoneNumber: string): Promise<number> {
    return this.repo.deleteForNumber(phoneNumber);
  }

  async prune(before: number): Promise<number> {
    return this.repo.prune(before);
  }
}
