/**
 * The device-slot registry (docs/binary-contract.md §6): slots in insertion order, persisted in chatstorage.db,
 * reloaded at boot against the session store, and the lookup rules of the device middleware.
 */
import type { Logger } from '../lib/logger.js';
import { rfc3339 } from '../lib/go-time.js';
import { uuid } from '../lib/ids.js';
import { errors } from '../http/errors.js';
import type { SlotRepo } from '../store/slot-repo.js';
import { userOf, type SessionStore } from '../store/session-store.js';
import { nonAd } from './phone.js';
import { EMPTY_WEBHOOK, Slot, type DeviceWebhook } from './slot.js';

export class DeviceManager {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly repo: SlotRepo,
    private readonly sessions: SessionStore,
    private readonly logger: Logger,
  ) {}

  /** Boot: registry rows, each matched with its session; sessions without a row become JID-named slots. */
  async load(): Promise<void> {
    const records = this.repo.list();
    this.logger.info(`[DEVICE_MANAGER] discovered ${records.length} device records in registry`);
    const sessions = await this.sessions.list();
    this.logger.info(`[DEVICE_MANAGER] discovered ${sessions.length} device records in store`);
    for (const record of records) {
      const slot = new Slot(record, true);
      const session = record.jid ? sessions.find((stored) => userOf(stored.adJid) === userOf(record.jid)) : undefined;
      if (session) {
        slot.adJid = session.adJid;
        slot.hasClient = true;
      } else if (record.jid) {
        record.jid = '';
        this.repo.save(record);
      }
      this.slots.set(record.id, slot);
    }
    for (const session of sessions) {
      const jid = nonAd(session.adJid);
      if (this.list().some((slot) => slot.record.jid === jid)) continue;
      const slot = this.add(jid, EMPTY_WEBHOOK, true);
      slot.record.jid = jid;
      slot.record.displayName = session.pushName;
      slot.adJid = session.adJid;
      slot.hasClient = true;
      this.persist(slot);
    }
  }

  list(): Slot[] {
    return [...this.slots.values()];
  }

  get size(): number {
    return this.slots.size;
  }

  /** By slot id, else by JID (non-AD or AD form). */
  find(idOrJid: string): Slot | undefined {
    const direct = this.slots.get(idOrJid);
    if (direct) return direct;
    if (!idOrJid.includes('@')) return undefined;
    const jid = nonAd(idOrJid);
    return this.list().find((slot) => slot.paired && slot.record.jid === jid);
  }

  /** Device middleware: explicit id (header, then query), else the only slot. */
  resolve(requestedId: string): Slot {
    if (requestedId !== '') {
      const slot = this.find(requestedId);
      if (!slot) throw errors.deviceNotFound(requestedId);
      return slot;
    }
    const [only] = this.slots.values();
    if (this.slots.size !== 1 || !only) throw errors.deviceIdRequired();
    return only;
  }

  /** `/devices/{id}` routes: unknown ids are a 500 with the Go error text. */
  get(id: string): Slot {
    const slot = this.find(id);
    if (!slot) throw errors.internal(`device ${id} not found`);
    return slot;
  }

  create(id: string | undefined, webhook: DeviceWebhook): Slot {
    const slotId = id && id !== '' ? id : uuid();
    if (this.slots.has(slotId)) throw errors.internal(`device ${slotId} already exists`);
    const slot = this.add(slotId, webhook, true);
    this.persist(slot);
    return slot;
  }

  /** `/devices/{id}/login` on an unknown id gets a slot held in memory until it pairs. */
  getOrCreateEphemeral(id: string): Slot {
    return this.find(id) ?? this.add(id, EMPTY_WEBHOOK, false);
  }

  persist(slot: Slot): void {
    slot.persisted = true;
    this.repo.save(slot.record);
  }

  saveWebhook(slot: Slot, webhook: DeviceWebhook): void {
    slot.record.webhook = webhook;
    if (slot.persisted) this.repo.saveWebhook(slot.id, webhook);
  }

  /** DELETE /devices/{id}: slot, session and chat data are purged. */
  async remove(slot: Slot): Promise<void> {
    if (slot.paired) {
      await this.sessions.removeUser(userOf(slot.record.jid)).catch((err: unknown) => {
        throw errors.store('error deleting data from store', err);
      });
    }
    this.repo.remove(slot.id);
    this.slots.delete(slot.id);
  }

  private add(id: string, webhook: DeviceWebhook, persisted: boolean): Slot {
    const slot = new Slot({ id, jid: '', displayName: '', createdAt: rfc3339(new Date()), webhook }, persisted);
    this.slots.set(id, slot);
    return slot;
  }
}
