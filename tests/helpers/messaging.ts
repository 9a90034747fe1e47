/** Set-ups shared by the messaging, QR and proxy tests: numbers through the gateway API, the stand-in's control API. */
import fs from 'node:fs';
import type { GowaClient } from '../../src/gowa/client.js';
import type { TestGateway } from './gateway.js';
import { waitFor } from './wait.js';

export interface SentEntry {
  readonly message_id: string;
  readonly route: string;
  readonly phone: string;
  readonly message?: string;
  readonly caption?: string;
  readonly filename?: string;
  readonly size?: number;
  readonly at: string;
}

export interface MessageBody {
  readonly id: string;
  readonly status: string;
  readonly waMessageId: string | null;
  readonly error: string | null;
  readonly attempts: number;
  readonly [key: string]: unknown;
}

/** The running child's client (the test plays the phone through the stand-in's `/_sim/*` routes). */
export function child(gw: TestGateway, phone: string): GowaClient {
  const client = gw.gateway.supervisor.runner(phone)?.client;
  if (!client) throw new Error(`${phone} is not running`);
  return client;
}

export async function register(gw: TestGateway, phone: string, autoStart = true): Promise<void> {
  const res = await gw.request('POST', '/api/devices', { body: { phoneNumber: phone, autoStart } });
  if (res.status !== 201) throw new Error(`register ${phone}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Log the number in as the phone would (QR login + `/_sim/pair`), and wait until the gateway knows. */
export async function pair(gw: TestGateway, phone: string): Promise<void> {
  await child(gw, phone).request('GET', '/app/login');
  await child(gw, phone).request('POST', '/_sim/pair', { body: {} });
  await waitFor(() => gw.gateway.supervisor.runner(phone)?.session === 'logged_in', { what: `${phone} logged in` });
}

export async function registerPaired(gw: TestGateway, phone: string): Promise<void> {
  await register(gw, phone);
  await pair(gw, phone);
}

/** Every send the stand-in performed for this number, oldest first (kept in its chat storage across restarts). */
export async function simSent(gw: TestGateway, phone: string): Promise<SentEntry[]> {
  const res = await child(gw, phone).request<{ sent: SentEntry[] }>('GET', '/_sim/sent');
  return res.results?.sent ?? [];
}

export async function failNext(gw: TestGateway, phone: string, rule: { count: number; status?: number; code?: string; delay_ms?: number }): Promise<void> {
  await child(gw, phone).request('POST', '/_sim/fail-next', { body: rule });
}

export async function send(gw: TestGateway, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<MessageBody> {
  const res = await gw.request<MessageBody>('POST', '/api/messages/send', { body, headers });
  if (res.status !== 202) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function message(gw: TestGateway, id: string): Promise<MessageBody> {
  return (await gw.request<MessageBody>('GET', `/api/messages/${id}`)).body;
}

export async function waitForStatus(gw: TestGateway, id: string, statuses: string[], timeoutMs = 20_000): Promise<MessageBody> {
  return waitFor(
    async () => {
      const m = await message(gw, id);
      return statuses.includes(m.status) ? m : null;
    },
    { timeoutMs, what: `message ${id} to be ${statuses.join('|')}` },
  );
}

/** A child of a gateway running in another process, reached with the credentials it was started with. */
export function childOfPid(pid: number): { base: string; headers: Record<string, string> } {
  const env = Object.fromEntries(
    fs
      .readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  return {
    base: `http://127.0.0.1:${env['APP_PORT']}`,
    headers: { authorization: `Basic ${Buffer.from(env['APP_BASIC_AUTH'] ?? '').toString('base64')}`, 'content-type': 'application/json' },
  };
}

export async function pairChildOfPid(pid: number): Promise<void> {
  const { base, headers } = childOfPid(pid);
  for (const [method, route] of [['GET', '/app/login'], ['POST', '/_sim/pair']] as const) {
    const res = await fetch(`${base}${route}`, { method, headers, body: method === 'POST' ? '{}' : undefined });
    if (res.status !== 200) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  }
}

export async function simSentOfPid(pid: number): Promise<SentEntry[]> {
  const { base, headers } = childOfPid(pid);
  const res = await fetch(`${base}/_sim/sent`, { headers });
  return ((await res.json()) as { results: { sent: SentEntry[] } }).results.sent;
}
