/** JSON shapes of slots as the binary's routes and WS frames show them (docs/binary-contract.md §7, §9). */
import { userOf } from '../store/session-store.js';
import type { Slot } from './slot.js';

/** GET /devices item: optional fields are omitted when empty (Go `omitempty`). */
export function deviceObject(slot: Slot): Record<string, unknown> {
  const { record } = slot;
  return {
    id: record.id,
    phone_number: record.jid ? userOf(record.jid) : undefined,
    display_name: record.displayName || undefined,
    state: slot.state,
    jid: record.jid || undefined,
    created_at: record.createdAt,
  };
}

/** `/app/devices` and WS `LIST_DEVICES` item: `device` is the slot id, `name` the push name. */
export function appDevice(slot: Slot): { name: string; device: string; jid: string } {
  return { name: slot.record.displayName, device: slot.id, jid: slot.record.jid };
}

/** Paired slots as `[{name, device, jid}]`, or null (a Go nil slice) when there is none. */
export function appDevices(slots: readonly Slot[]): { name: string; device: string; jid: string }[] | null {
  const paired = slots.filter((slot) => slot.paired).map(appDevice);
  return paired.length > 0 ? paired : null;
}

export function webhookView(slot: Slot): Record<string, unknown> {
  const { webhook } = slot.record;
  return {
    device_id: slot.id,
    webhook_url: webhook.url,
    webhook_secret: webhook.secret,
    webhook_events: webhook.events,
    webhook_insecure_skip_verify: webhook.insecureSkipVerify,
  };
}

export function statusView(slot: Slot): { device_id: string; is_connected: boolean; is_logged_in: boolean; jid: string } {
  return { device_id: slot.id, is_connected: slot.connected, is_logged_in: slot.loggedIn, jid: slot.record.jid };
}
