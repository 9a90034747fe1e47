/** Contact notes (`contacts/notes_controller.rb`): kept so that a contact merge has notes to move. */
import { assertValid } from '../domain/errors.js';
import type { Contact, ContactNote } from '../domain/records.js';
import type { Clock } from '../lib/time.js';
import type { Store } from '../store/store.js';

export class Notes {
  constructor(
    private readonly store: Store,
    private readonly now: Clock,
  ) {}

  list(contact: Contact): ContactNote[] {
    return [...this.store.state.account(contact.accountId).notes.values()]
      .filter((n) => n.contactId === contact.id)
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
  }

  create(contact: Contact, content: string, userId: number | null): ContactNote {
    assertValid(content.trim() === '' ? [['content', "Content can't be blank"]] : []);
    const now = this.now();
    const note: ContactNote = { id: this.store.state.next.note++, accountId: contact.accountId, contactId: contact.id, content, userId, createdAt: now, updatedAt: now };
    this.store.state.account(contact.accountId).notes.set(note.id, note);
    return note;
  }
}
