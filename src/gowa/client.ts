import http from 'node:http';
import { GatewayError } from '../domain/errors.js';
import { httpCall, type HttpAnswer } from './http-call.js';
import type {
  GowaAppStatus,
  GowaChat,
  GowaChatMessage,
  GowaDevice,
  GowaDownload,
  GowaEnvelope,
  GowaLogin,
  GowaPagination,
  GowaPairCode,
  GowaSendResult,
} from './types.js';

export interface ChildEndpoint {
  readonly host: string;
  readonly port: number;
  /** `user:pass`, random per child; never leaves the gateway. */
  readonly basicAuth: string;
  /** The slot every device-scoped call is for (the number): sent as `X-Device-Id`, so an extra slot changes nothing. */
  readonly deviceId: string;
}

/** A non-2xx answer from a child, with the child's own error code (e.g. `WA_REACHOUT_TIMELOCK`). */
export class ChildHttpError extends GatewayError {
  constructor(
    readonly status: number,
    readonly childCode: string,
    message: string,
  ) {
    super('CHILD_ERROR', message, { status, childCode });
    this.name = 'ChildHttpError';
  }
}

export interface RequestOptions {
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  readonly form?: FormData;
  readonly timeoutMs?: number;
}

/** Talks to one child's own REST API on its loopback port, adding the child's basic auth. */
export class GowaClient {
  readonly baseUrl: string;
  readonly authorization: string;
  /** Connections to this child are reused; idle ones close after 4 s, before a server's usual 5 s keep-alive. */
  private readonly agent = new http.Agent({ keepAlive: true, timeout: 4000 });

  constructor(
    readonly endpoint: ChildEndpoint,
    private readonly defaultTimeoutMs = 25_000,
  ) {
    this.baseUrl = `http://${endpoint.host}:${endpoint.port}`;
    this.authorization = `Basic ${Buffer.from(endpoint.basicAuth).toString('base64')}`;
  }

  /** True when `/health` answers 200 within the timeout (docs/binary-contract.md §3: up, not necessarily connected). */
  async health(timeoutMs = 2000): Promise<boolean> {
    try {
      return (await httpCall(this.agent, new URL('/health', this.baseUrl), 'GET', {}, undefined, timeoutMs)).status === 200;
    } catch {
      return false;
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<GowaEnvelope<T>> {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: this.authorization, accept: 'application/json', 'x-device-id': this.endpoint.deviceId };
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    let answer: HttpAnswer;
    try {
      if (options.form) {
        // Multipart uploads keep fetch, which encodes FormData (and streams files) itself.
        const res = await fetch(url, { method, headers, body: options.form, signal: AbortSignal.timeout(timeoutMs) });
        answer = { status: res.status, text: await res.text() };
      } else {
        let body: string | undefined;
        if (options.body !== undefined) {
          headers['content-type'] = 'application/json';
          body = JSON.stringify(options.body);
        }
        answer = await httpCall(this.agent, url, method, headers, body, timeoutMs);
      }
    } catch (err) {
      throw new GatewayError('CHILD_UNREACHABLE', `child on port ${this.endpoint.port} did not answer ${method} ${path}`, undefined, {
        cause: err,
      });
    }
    const ok = answer.status >= 200 && answer.status < 300;
    let envelope: GowaEnvelope<T>;
    try {
      envelope = JSON.parse(answer.text) as GowaEnvelope<T>;
    } catch {
      envelope = { code: ok ? 'SUCCESS' : `HTTP_${answer.status}`, message: answer.text.slice(0, 500) };
    }
    if (!ok) throw new ChildHttpError(answer.status, envelope.code, envelope.message);
    return envelope;
  }

  async listDevices(): Promise<GowaDevice[]> {
    return (await this.request<GowaDevice[] | null>('GET', '/devices')).results ?? [];
  }

  async addDevice(deviceId: string): Promise<void> {
    await this.request('POST', '/devices', { body: { device_id: deviceId } });
  }

  async appStatus(): Promise<GowaAppStatus> {
    const results = (await this.request<GowaAppStatus>('GET', '/app/status', { timeoutMs: 5000 })).results;
    if (!results) throw new GatewayError('CHILD_ERROR', 'child answered /app/status without results');
    return results;
  }

  async login(timeoutMs: number): Promise<GowaLogin> {
    const results = (await this.request<GowaLogin>('GET', '/app/login', { timeoutMs })).results;
    if (!results) throw new GatewayError('CHILD_ERROR', 'child answered /app/login without results');
    return results;
  }

  async loginWithCode(phone: string, timeoutMs: number): Promise<GowaPairCode> {
    const results = (await this.request<GowaPairCode>('GET', '/app/login-with-code', { query: { phone }, timeoutMs })).results;
    if (!results) throw new GatewayError('CHILD_ERROR', 'child answered /app/login-with-code without results');
    return results;
  }

  async logout(): Promise<void> {
    await this.request('GET', '/app/logout');
  }

  async send(path: '/send/message' | '/send/image' | '/send/file', payload: { body?: unknown; form?: FormData }, timeoutMs?: number): Promise<GowaSendResult> {
    const results = (await this.request<GowaSendResult>('POST', path, { ...payload, timeoutMs })).results;
    if (!results) throw new GatewayError('CHILD_ERROR', `child answered ${path} without results`);
    return results;
  }

  /** One page of the child's chat list (`GET /chats`, at most 100 a page). */
  async chats(limit: number, offset: number): Promise<{ data: GowaChat[]; total: number }> {
    const results = (await this.request<{ data: GowaChat[] | null; pagination: GowaPagination }>('GET', '/chats', { query: { limit: String(limit), offset: String(offset) } }))
      .results;
    return { data: results?.data ?? [], total: results?.pagination?.total ?? 0 };
  }

  /** One page of a chat's stored messages, newest first (`GET /chat/{jid}/messages`). */
  async chatMessages(jid: string, query: { limit: number; offset: number; startTime?: string; endTime?: string }): Promise<{ data: GowaChatMessage[]; total: number }> {
    const params: Record<string, string> = { limit: String(query.limit), offset: String(query.offset) };
    if (query.startTime) params['start_time'] = query.startTime;
    if (query.endTime) params['end_time'] = query.endTime;
    const results = (await this.request<{ data: GowaChatMessage[] | null; pagination: GowaPagination }>('GET', `/chat/${encodeURIComponent(jid)}/messages`, { query: params }))
      .results;
    return { data: results?.data ?? [], total: results?.pagination?.total ?? 0 };
  }

  /** Send a read receipt for one message of a chat (`POST /message/{id}/read`). */
  async markRead(waId: string, chatJid: string): Promise<void> {
    await this.request('POST', `/message/${encodeURIComponent(waId)}/read`, { body: { phone: chatJid }, timeoutMs: 10_000 });
  }

  /** Have the child fetch a message's media from WhatsApp into its `statics/media/…` (`GET /message/{id}/download`). */
  async downloadMedia(waId: string, chatJid: string): Promise<GowaDownload> {
    const results = (await this.request<GowaDownload>('GET', `/message/${encodeURIComponent(waId)}/download`, { query: { phone: chatJid }, timeoutMs: 60_000 })).results;
    if (!results?.file_path) throw new GatewayError('CHILD_ERROR', 'child answered /message/{id}/download without a file path');
    return results;
  }

  /** A file the child serves under `statics/` (public there; our credentials go along anyway). */
  openStatic(relativePath: string, timeoutMs = 60_000): Promise<http.IncomingMessage> {
    const url = new URL(`/${relativePath.split('/').map(encodeURIComponent).join('/')}`, this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.get(url, { agent: this.agent, headers: { authorization: this.authorization }, timeout: timeoutMs }, resolve);
      req.on('timeout', () => req.destroy(new GatewayError('CHILD_UNREACHABLE', `child on port ${this.endpoint.port} did not serve ${relativePath} in time`)));
      req.on('error', (err) => reject(err instanceof GatewayError ? err : new GatewayError('CHILD_UNREACHABLE', `child on port ${this.endpoint.port} did not serve ${relativePath}`, undefined, { cause: err })));
    });
  }
}
