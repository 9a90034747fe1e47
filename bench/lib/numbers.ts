import { environOf, waitUntil } from './processes.js';
import type { GatewayProcess } from './gateway.js';

/** `count` distinct valid numbers, e.g. 5511900000001…; `offset` continues a list. */
export function phoneNumbers(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `55119${String(offset + i + 1).padStart(8, '0')}`);
}

/** Run `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Register numbers (the gateway starts each one and answers once it is running). */
export async function registerNumbers(gateway: GatewayProcess, phones: readonly string[], concurrency = 8): Promise<void> {
  await mapLimit(phones, concurrency, async (phoneNumber) => {
    const res = await gateway.request('POST', '/api/devices', { phoneNumber, name: `bench ${phoneNumber}` });
    if (res.status !== 201 && res.status !== 200) throw new Error(`registering ${phoneNumber}: ${res.status} ${JSON.stringify(res.body)}`);
  });
}

/** Log each number in, as its phone would: ask for a QR through the proxy, then the stand-in's control API "scans" it. */
export async function pairNumbers(gateway: GatewayProcess, phones: readonly string[], concurrency = 8): Promise<void> {
  await mapLimit(phones, concurrency, async (phone) => {
    const login = await gateway.request('GET', `/proxy/whatsapp/${phone}/app/login`);
    if (login.status !== 200) throw new Error(`QR login of ${phone}: ${login.status} ${JSON.stringify(login.body)}`);
    const pair = await gateway.request('POST', `/proxy/whatsapp/${phone}/_sim/pair`, {});
    if (pair.status !== 200) throw new Error(`pairing ${phone}: ${pair.status} ${JSON.stringify(pair.body)}`);
  });
}

export interface DeviceHealth {
  readonly phoneNumber: string;
  readonly state: string;
  readonly pid: number | null;
  readonly port: number | null;
  readonly loggedIn: boolean;
  readonly connected: boolean;
}

export async function deviceHealth(gateway: GatewayProcess): Promise<DeviceHealth[]> {
  const res = await gateway.request<{ devices: DeviceHealth[] }>('GET', '/api/health/devices');
  if (res.status !== 200) throw new Error(`GET /api/health/devices: ${res.status}`);
  return res.body.devices;
}

/** Wait until every listed number satisfies `ready` (e.g. running and logged in). */
export async function waitForDevices(gateway: GatewayProcess, phones: readonly string[], ready: (d: DeviceHealth) => boolean, timeoutMs: number, what: string): Promise<DeviceHealth[]> {
  const wanted = new Set(phones);
  return waitUntil(
    async () => {
      const devices = (await deviceHealth(gateway)).filter((d) => wanted.has(d.phoneNumber));
      return devices.length === wanted.size && devices.every(ready) ? devices : undefined;
    },
    timeoutMs,
    what,
    250,
  );
}

export const isRunning = (d: DeviceHealth): boolean => d.state === 'running';
export const isLoggedIn = (d: DeviceHealth): boolean => d.state === 'running' && d.loggedIn && d.connected;

/** Register and pair these numbers, and wait until every one runs logged in; their children's own endpoints. */
export async function loggedInChildren(gateway: GatewayProcess, phones: readonly string[], timeoutMs = 120_000): Promise<ChildEndpoint[]> {
  await registerNumbers(gateway, phones);
  await pairNumbers(gateway, phones);
  return (await waitForDevices(gateway, phones, isLoggedIn, timeoutMs, 'every number to be logged in')).map(childEndpoint);
}

/** A child's own API, straight to its loopback port with the Basic credentials the gateway gave it. */
export interface ChildEndpoint {
  readonly phoneNumber: string;
  readonly pid: number;
  readonly baseUrl: string;
  readonly authorization: string;
}

/** Read a running child's port and credentials from its process environment (same user as the gateway). */
export function childEndpoint(device: DeviceHealth): ChildEndpoint {
  if (device.pid === null || device.port === null) throw new Error(`${device.phoneNumber} is not running`);
  const env = environOf(device.pid);
  const basic = env?.get('APP_BASIC_AUTH');
  if (!basic) throw new Error(`cannot read APP_BASIC_AUTH of pid ${device.pid}`);
  return {
    phoneNumber: device.phoneNumber,
    pid: device.pid,
    baseUrl: `http://127.0.0.1:${device.port}`,
    authorization: `Basic ${Buffer.from(basic).toString('base64')}`,
  };
}

/** A request to a child's own API (direct, not through the gateway). */
export async function childRequest<T>(child: ChildEndpoint, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { authorization: child.authorization, 'x-device-id': child.phoneNumber };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${child.baseUrl}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}
