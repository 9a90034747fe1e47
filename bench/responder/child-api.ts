import crypto from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ackEnvelope, WebhookPoster } from './webhooks.js';

/** What a shim passed on from the environment the gateway gave its child. */
export interface ChildSpec {
  readonly port: number;
  /** `user:pass` (APP_BASIC_AUTH). */
  readonly basicAuth: string;
  readonly webhookUrl: string;
  readonly webhookSecret: string;
}

/** One number's responder: the binary's answers the gateway relies on, and nothing else. */
export class ResponderChild {
  readonly authorization: string;
  /** Device slots (the gateway creates one named after the number). */
  readonly slots = new Map<string, string>();
  readonly webSockets = new Set<WebSocket>();
  readonly poster: WebhookPoster;

  constructor(readonly spec: ChildSpec) {
    this.authorization = `Basic ${Buffer.from(spec.basicAuth).toString('base64')}`;
    this.poster = new WebhookPoster(spec.webhookUrl, spec.webhookSecret);
  }

  close(): void {
    for (const ws of this.webSockets) ws.terminate();
    this.webSockets.clear();
    this.poster.close();
  }
}

export interface ChildCounters {
  sends: number;
  acks: number;
  ackErrors: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function reply(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The binary's envelope (`{code, message, results}`, results left out when nil). */
function envelope(res: http.ServerResponse, status: number, code: string, message: string, results?: unknown): void {
  reply(res, status, JSON_TYPE, JSON.stringify(results === undefined ? { code, message } : { code, message, results }));
}

function readBody(req: http.IncomingMessage, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The binary's device middleware: `X-Device-Id`, then `device_id`, then the only slot. */
function deviceOf(child: ResponderChild, header: string | undefined, query: URLSearchParams): { id: string } | { error: [number, string, string] } {
  const asked = header ?? query.get('device_id') ?? undefined;
  if (asked !== undefined && asked !== '') {
    return child.slots.has(asked) ? { id: asked } : { error: [404, 'DEVICE_NOT_FOUND', 'device not found; create a device first from /api/devices or provide a valid X-Device-Id'] };
  }
  if (child.slots.size === 1) return { id: [...child.slots.keys()][0] ?? '' };
  return { error: [400, 'DEVICE_ID_REQUIRED', 'device_id is required via X-Device-Id header or device_id query'] };
}

const goTime = (date: Date): string => `${date.toISOString().replace(/\.\d{3}Z$/, '').replace('T', ' ')} +0000 UTC`;

/**
 * Answers every child's HTTP API on one shared server (the listener a request came in on says which child):
 * `/health`, Basic auth, device slots, `/app/status` (already logged in: a paired number that reconnected by
 * itself), `/app/info`, `/send/message` (answered at once, then `message.ack` delivered and read posted back,
 * each one after the previous one was answered) and `/ws` (accepted, silent, answers pings).
 */
export class ChildApi {
  readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  constructor(
    private readonly childOf: (localPort: number | undefined) => ResponderChild | undefined,
    private readonly counters: ChildCounters,
  ) {
    this.server = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => this.handle(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const child = this.childOf(req.socket.localPort);
    if (!child) {
      reply(res, 503, 'text/plain', 'Service Unavailable');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://child');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    if (route === 'GET /health') {
      reply(res, 200, 'text/plain; charset=utf-8', 'OK');
      return;
    }
    if (req.headers.authorization !== child.authorization) {
      res.setHeader('www-authenticate', 'Basic realm="Restricted", charset="UTF-8"');
      reply(res, 401, 'text/plain; charset=utf-8', 'Unauthorized');
      return;
    }
    switch (route) {
      case 'GET /devices':
        envelope(res, 200, 'SUCCESS', 'List devices', child.slots.size === 0 ? null : [...child.slots].map(([id, createdAt]) => ({ id, state: 'logged_in', jid: `${id}@s.whatsapp.net`, created_at: createdAt })));
        return;
      case 'POST /devices':
        readBody(req, (text) => {
          const id = parseObject(text)?.['device_id'];
          if (typeof id !== 'string' || id === '') {
            envelope(res, 400, 'BAD_REQUEST', 'Invalid request body');
            return;
          }
          if (child.slots.has(id)) {
            envelope(res, 500, 'INTERNAL_SERVER_ERROR', `device ${id} already exists`);
            return;
          }
          const createdAt = new Date().toISOString();
          child.slots.set(id, createdAt);
          envelope(res, 200, 'SUCCESS', 'Device added', { id, display_name: '', jid: '', state: 'disconnected', created_at: createdAt });
        });
        return;
      case 'GET /app/info':
        envelope(res, 200, 'SUCCESS', 'Fetch app info success', { version: 'v9.2.0', os: 'bench responder', base_path: '', max_file_size: '50MB', max_video_size: '100MB', max_image_size: '20MB', chatwoot_enabled: false });
        return;
      case 'GET /app/status':
      case 'POST /send/message': {
        const device = deviceOf(child, header(req, 'x-device-id'), url.searchParams);
        if ('error' in device) {
          envelope(res, ...device.error);
          return;
        }
        if (route === 'GET /app/status') {
          envelope(res, 200, 'SUCCESS', 'Connection status retrieved', { device_id: device.id, is_connected: true, is_logged_in: true, jid: `${device.id}@s.whatsapp.net` });
          return;
        }
        readBody(req, (text) => this.send(child, device.id, text, res));
        return;
      }
      default:
        reply(res, 404, 'text/plain; charset=utf-8', 'Not Found');
    }
  }

  private send(child: ResponderChild, deviceId: string, text: string, res: http.ServerResponse): void {
    const body = parseObject(text);
    const phone = body?.['phone'];
    const message = body?.['message'];
    if (typeof phone !== 'string' || phone === '' || typeof message !== 'string' || message === '') {
      envelope(res, 400, 'VALIDATION_ERROR', 'message: cannot be blank; phone: cannot be blank.');
      return;
    }
    const jid = phone.includes('@') ? phone : `${phone}@s.whatsapp.net`;
    const id = `3EB0${crypto.randomBytes(8).toString('hex').toUpperCase()}`;
    const status = `Message sent to ${jid} (server timestamp: ${goTime(new Date())})`;
    envelope(res, 200, 'SUCCESS', status, { message_id: id, status });
    this.counters.sends++;
    // Delivered, then read once the gateway has taken the first one: the order WhatsApp reports them in.
    const ack = (type: 'delivered' | 'read', then?: () => void): void =>
      child.poster.post(ackEnvelope(deviceId, id, jid, type), (ok) => {
        if (ok) this.counters.acks++;
        else this.counters.ackErrors++;
        then?.();
      });
    ack('delivered', () => ack('read'));
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const child = this.childOf((socket as { localPort?: number }).localPort);
    const url = new URL(req.url ?? '/', 'http://child');
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    };
    if (!child || url.pathname !== '/ws') {
      refuse(404, 'Not Found');
      return;
    }
    const queryAuth = url.searchParams.get('authorization');
    if (req.headers.authorization !== child.authorization && (queryAuth === null || `Basic ${queryAuth}` !== child.authorization)) {
      refuse(401, 'Unauthorized');
      return;
    }
    const device = deviceOf(child, header(req, 'x-device-id'), url.searchParams);
    if ('error' in device) {
      refuse(device.error[0], JSON.stringify({ code: device.error[1], message: device.error[2] }));
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      child.webSockets.add(ws);
      ws.on('close', () => child.webSockets.delete(ws));
      ws.on('error', () => ws.terminate());
    });
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}
