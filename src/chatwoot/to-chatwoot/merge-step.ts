import type { ChatwootStateStore } from '../../db/ports/chatwoot-state.js';
import type { ChatwootJobRow } from '../../db/schema.js';
import { phoneOfJid } from '../../domain/jid.js';
import type { Bindings } from '../bindings/bindings.js';
import { ChatwootError } from '../client/errors.js';
import type { StepOutcome } from '../queue/job-queue.js';

/**
 * The `merge` step (BR-6): a person first seen as `@lid` turned out to be a phone the store already had, and the
 * store merged the two chats. In Chatwoot: the `@lid` contact is merged into the phone's contact (its
 * conversations move along), or, when the phone has no contact yet, the `@lid` contact gets the phone.
 */
export class MergeStep {
  constructor(
    private readonly bindings: Bindings,
    private readonly state: ChatwootStateStore,
  ) {}

  readonly handle = async (job: ChatwootJobRow): Promise<StepOutcome> => {
    const binding = this.bindings.get(job.phoneNumber);
    const into = typeof job.payload['into'] === 'string' ? job.payload['into'] : null;
    const lid = await this.state.contact(job.phoneNumber, job.ref);
    if (!binding || !into || !lid) return { kind: 'done' };
    const phone = phoneOfJid(into);
    const target = await this.state.contact(job.phoneNumber, into);
    if (target) {
      if (target.contactId !== lid.contactId) await binding.client.mergeContacts(target.contactId, lid.contactId);
      if (target.conversationId === null && lid.conversationId !== null) await this.state.setConversation(job.phoneNumber, into, lid.conversationId, lid.conversationStatus);
      await this.state.deleteContact(job.phoneNumber, job.ref);
      return { kind: 'done' };
    }
    let contactId = lid.contactId;
    if (phone) {
      try {
        await binding.client.updateContact(lid.contactId, { phone_number: `+${phone}`, custom_attributes: { whatsapp_jid: into, whatsapp_lid: job.ref } });
      } catch (err) {
        if (!(err instanceof ChatwootError && err.status === 422)) throw err;
        // The phone belongs to another contact already (made by hand, or by another inbox): that one is the person.
        const owner = (await binding.client.searchContacts(`+${phone}`)).find((c) => c.phone_number === `+${phone}`);
        if (!owner) throw err;
        await binding.client.mergeContacts(owner.id, lid.contactId);
        contactId = owner.id;
      }
    }
    await this.state.deleteContact(job.phoneNumber, job.ref);
    await this.state.putContact({ ...lid, chatKey: into, contactId });
    return { kind: 'done' };
  };
}
