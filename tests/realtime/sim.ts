/** Driving the stand-in behind a number through its control API (`/_sim/*`, a hook the real binary lacks). */
import type { TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

export function childClient(gw: TestGateway, phone: string) {
  const client = gw.gateway.supervisor.runner(phone)?.client;
  if (!client) throw new Error(`the process of ${phone} is not running`);
  return client;
}

/** Registers a number (as the token's user) and waits until its process runs. */
export async function registerRunning(gw: TestGateway, phone: string, token?: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await gw.request<{ state: string }>('POST', '/api/devices', { body: { phoneNumber: phone, ...extra }, ...(token ? { token } : {}) });
  if (res.status !== 201) throw new Error(`register ${phone}: ${res.status} ${JSON.stringify(res.body)}`);
  await waitFor(() => gw.gateway.supervisor.runner(phone)?.state === 'running', { what: `${phone} running` });
}

/** Starts a QR login through the child and completes it as the phone would. */
export async function pair(gw: TestGateway, phone: string): Promise<void> {
  const client = childClient(gw, phone);
  await client.request('GET', '/app/login');
  await client.request('POST', '/_sim/pair', { body: {} });
  await waitFor(() => gw.gateway.supervisor.runner(phone)?.session === 'logged_in', { what: `${phone} logged in` });
}

/** WhatsApp delivers `count` text messages to the number; returns their WhatsApp ids. */
export async function incoming(gw: TestGateway, phone: string, body: string, count = 1): Promise<string[]> {
  const res = await childClient(gw, phone).request<{ ids: string[] }>('POST', '/_sim/incoming', { body: { body, count } });
  return res.results?.ids ?? [];
}

/** Newest sequence number stored for a number. */
export function lastSeq(gw: TestGateway, phone: string): number {
  const row = gw.gateway.database.sqlite.prepare('SELECT max(seq) AS seq FROM events WHERE phone_number = ?').get(phone) as { seq: number | null };
  return row.seq ?? 0;
}
