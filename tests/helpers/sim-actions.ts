/**
 * Common multi-step set-ups against the stand-in. `pairSlot` uses `/_sim/pair`, so it only works with the
 * stand-in (IS_STAND_IN); `createSlot` works with a real binary too.
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
