import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { io, type Socket } from 'socket.io-client';
import type { LogClientEvents, LogLineOut, LogServerEvents, LogSubscribeResult } from '../../src/realtime/log-stream.js';
import { ADMIN, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { register } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';

const PHONE = '5511960000001';
type LogSocket = Socket<LogServerEvents, LogClientEvents>;

/** The live tail of a number's process output over Socket.IO (`/logs`), as the dashboard's log view reads it. */
describe('live log tail', () => {
  let gw: TestGateway;
  const sockets: LogSocket[] = [];
  const connect = (token: string | null) => {
    const socket: LogSocket = io(`${gw.url}/logs`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: token ? { token } : {} });
    sockets.push(socket);
    return socket;
  };
  const subscribe = (socket: LogSocket, phone: string) => new Promise<LogSubscribeResult>((resolve) => socket.emit('subscribe', phone, resolve));

  beforeAll(async () => {
    gw = await startTestGateway();
    await register(gw, PHONE);
    await waitFor(() => gw.gateway.supervisor.runner(PHONE)?.state === 'running', { what: 'running' });
    await gw.request('POST', '/api/users', { body: { username: 'tenant', password: 'tenant-password' } });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await gw.close();
  });

  it('sends the newest lines on subscribe, then every new line as it is written, in order', async () => {
    const socket = connect(await gw.token());
    const live: LogLineOut[] = [];
    socket.on('log-line', (line) => live.push(line));
    const result = await subscribe(socket, PHONE);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.lines.some((l) => l.stream === 'stdout' && l.line.includes('Server started on'))).toBe(true);
    expect(result.lines.every((l) => l.phoneNumber === PHONE && !Number.isNaN(Date.parse(l.at)))).toBe(true);
    await gw.request('POST', `/api/devices/${PHONE}/restart`);
    await waitFor(() => live.some((l) => l.line.includes('Server started on')), { what: 'the restarted child to print its ready line' });
    const gateway = live.filter((l) => l.stream === 'gateway').map((l) => l.line);
    expect(gateway[0]).toMatch(/^exited code=0 signal=null$/);
    expect(gateway[1]).toMatch(/^started pid \d+ on port \d+$/);
    // The same lines as the REST tail.
    const rest = await gw.request<{ lines: { line: string }[] }>('GET', `/api/devices/${PHONE}/logs?lines=1000`);
    const restLines = rest.body.lines.map((l) => l.line);
    expect(restLines.slice(-live.length)).toEqual(live.map((l) => l.line));
  });

  it('refuses numbers the reader may not see, bad input, and connections without a valid token', async () => {
    const login = await gw.request<{ token: string }>('POST', '/api/auth/login', { body: { username: 'tenant', password: 'tenant-password' }, token: null });
    const tenant = connect(login.body.token);
    expect(await subscribe(tenant, PHONE)).toEqual({ ok: false, error: { code: 'DEVICE_NOT_FOUND', message: `device ${PHONE} is not registered` } });
    expect(await subscribe(tenant, '../etc')).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const anonymous = connect(null);
    const refused = await new Promise<Error>((resolve) => anonymous.on('connect_error', resolve));
    expect(refused.message).toBe('UNAUTHORIZED');
  });

  it('closes the stream of a dashboard session that signs out', async () => {
    const res = await fetch(`${gw.url}/api/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dashboard-request': '1' }, body: JSON.stringify(ADMIN) });
    const { token } = (await res.json()) as { token: string };
    const socket = connect(token);
    expect((await subscribe(socket, PHONE)).ok).toBe(true);
    await gw.request('POST', '/api/auth/logout-all', { token });
    await waitFor(() => !socket.connected, { what: 'the log stream to close' });
  });
});
