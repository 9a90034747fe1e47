/**
 * Common multi-step set-ups against the stand-in. `pairSlot`, `simIncoming`, `seedHistory` and `simActions`
 * use `/_sim/…`, so they only work with the stand-in (IS_STAND_IN); `createSlot` works with a real binary too.
 */
import type { Envelope, SimProcess } from './sim-process.js';

function check(status: number, body: string, what: string): void {
  if (status !== 200) throw new Error(`${what} failed: HTTP ${status} ${body}`);
}

/** `POST /devices {device_id}`. */
export async function createSlot(sim: SimProcess, deviceId: string): Promise<void> {
  const res = await sim.api('POST', '/devices', { device_id: deviceId });
  check(res.status, res.text, `POST /devices ${deviceId}`);
}

/** Starts a QR login and completes it as the phone would; returns the slot's JID. */
export async function pairSlot(sim: SimProcess, deviceId: string, body: { jid?: string; push_name?: string } = {}): Promise<string> {
  const login = await sim.api('GET', '/app/login', undefined, { deviceId });
  check(login.status, login.text, `GET /app/login for ${deviceId}`);
  const pair = await sim.api<Envelope<{ jid: string }>>('POST', '/_sim/pair', body, { deviceId });
  check(pair.status, pair.text, `POST /_sim/pair for ${deviceId}`);
  return pair.json.results?.jid ?? '';
}

/** Creates the slot and pairs it. */
export async function createPairedSlot(sim: SimProcess, deviceId: string, body: { jid?: string; push_name?: string } = {}): Promise<string> {
  await createSlot(sim, deviceId);
  return pairSlot(sim, deviceId, body);
}

/** `POST /_sim/incoming`: WhatsApp (or, with `is_from_me`, the phone) delivers messages; returns their ids. */
export async function simIncoming(sim: SimProcess, body: Record<string, unknown>, deviceId?: string): Promise<string[]> {
  const res = await sim.api<Envelope<{ ids: string[] }>>('POST', '/_sim/incoming', body, { deviceId });
  check(res.status, res.text, 'POST /_sim/incoming');
  return res.json.results?.ids ?? [];
}

export interface SeededHistory {
  chats: number;
  messages: number;
  media: number;
  group_chats: number;
  lid_chats: number;
  chat_jids: string[];
  start: string;
  end: string;
}

/** `POST /_sim/seed-history`: chats × messages written straight into the child's chat storage. */
export async function seedHistory(sim: SimProcess, body: Record<string, unknown>, deviceId?: string): Promise<SeededHistory> {
  const res = await sim.api<Envelope<SeededHistory>>('POST', '/_sim/seed-history', body, { deviceId });
  check(res.status, res.text, 'POST /_sim/seed-history');
  if (!res.json.results) throw new Error('POST /_sim/seed-history answered no results');
  return res.json.results;
}

export interface SimAction {
  kind: string;
  chat_jid: string;
  message_id: string;
  detail: Record<string, unknown>;
  at: string;
}

/** `GET /_sim/actions[?kind=]`: what the number did on WhatsApp (read, star, archive, typing, …). */
export async function simActions(sim: SimProcess, kind?: string, deviceId?: string): Promise<SimAction[]> {
  const res = await sim.api<Envelope<{ actions: SimAction[] }>>('GET', `/_sim/actions${kind ? `?kind=${kind}` : ''}`, undefined, { deviceId });
  check(res.status, res.text, 'GET /_sim/actions');
  return res.json.results?.actions ?? [];
}
