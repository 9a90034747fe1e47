/**
 * Helpers for the compatibility layer's tests: a gateway with the legacy tenant API on (stand-in children), a
 * Flask stand-in that records `POST /webhook/whatsapp` (and can keep posts unanswered), can be taken down and
 * brought back on the same port,
 * and the phone's side of pairing a tenant.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestGateway, type HttpResult, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

export interface FlaskHit {
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  readonly raw: string;
}

/** The Flask app's own webhook route, as a real HTTP server on 127.0.0.1. */
export class FlaskReceiver {
  readonly hits: FlaskHit[] = [];
  /** Paths other than /webhook/whatsapp that were posted to (there should be none). */
  readonly strays: string[] = [];
  /** Which posts to keep on the wire (recorded, unanswered) until `release()`. */
  hold: (body: Record<string, unknown>) => boolean = () => false;
  private readonly held: ServerResponse[] = [];
  private server: Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (req.method !== 'POST' || req.url !== '/webhook/whatsapp') {
          this.strays.push(`${req.method} ${req.url}`);
          res.writeHead(404).end();
          return;
        }
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          // recorded as it came
        }
        this.hits.push({ headers: req.headers, body, raw });
        if (this.hold(body)) this.held.push(res);
        else FlaskReceiver.ok(res);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Answer the posts kept on the wire, and keep no more. */
  release(): void {
    this.hold = () => false;
    for (const res of this.held.splice(0)) if (!res.destroyed) FlaskReceiver.ok(res);
  }

  get holding(): number {
    return this.held.length;
  }

  private static ok(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  }

  /** Down: the port refuses connections until `start()` again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  texts(): unknown[] {
    return this.hits.map((h) => h.body['message']);
  }
}

export interface CompatGateway extends TestGateway {
  /** A legacy call as the Flask app makes it: JSON, no credentials (the loopback allow-list lets it in). */
  legacy<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult<T>>;
}

export async function startCompatGateway(env: Record<string, string> = {}, dataRoot?: string): Promise<CompatGateway> {
  const gw = await startTestGateway({
    ...(dataRoot ? { dataRoot } : {}),
    env: { LEGACY_TENANT_API: 'on', HISTORY_SYNC_DAYS: '0', WEBHOOK_RETRY_BASE_DELAY: '100', WEBHOOK_RETRY_MAX_DELAY: '400', ...env },
  });
  return Object.assign(gw, {
    legacy: <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      gw.request<T>(method, path, { token: null, headers, ...(body === undefined ? {} : { body }) }),
  });
}

/** The tenant's number now (a pending id until its phone pairs). */
export function numberOf(gw: TestGateway, tenantId: string): string {
  const row = gw.gateway.database.sqlite.prepare('SELECT phone_number AS n FROM compat_tenants WHERE tenant_id = ?').get(tenantId) as { n: string } | undefined;
  if (!row) throw new Error(`tenant ${tenantId} does not exist`);
  return row.n;
}

/** The phone scans the tenant's QR code (the stand-in pairs its slot as `phone`); resolves once it is connected. */
export async function scan(gw: CompatGateway, tenantId: string, phone: string): Promise<void> {
  const qr = await gw.legacy<{ qrCode?: string }>('GET', `/tenants/${tenantId}/qr`);
  if (qr.status !== 200 || !qr.body.qrCode) throw new Error(`no QR code for tenant ${tenantId}: ${qr.status} ${JSON.stringify(qr.body)}`);
  const key = numberOf(gw, tenantId);
  const client = gw.gateway.supervisor.runner(key)?.client;
  if (!client) throw new Error(`tenant ${tenantId} has no child`);
  await client.request('POST', '/_sim/pair', { body: { jid: phone } });
  await waitFor(async () => (await gw.legacy<{ tenant: { connected: boolean } }>('GET', `/tenants/${tenantId}/status`)).body.tenant?.connected === true, { what: `tenant ${tenantId} connected`, timeoutMs: 20_000 });
  // The child (restarted under the phone after the bind) is back on WhatsApp's servers too.
  await waitFor(
    async () => (await gw.gateway.supervisor.runner(numberOf(gw, tenantId))?.client?.request<{ is_connected: boolean }>('GET', '/app/status'))?.results?.is_connected,
    { what: `tenant ${tenantId}'s child connected`, timeoutMs: 20_000 },
  );
}

/** WhatsApp delivers messages to the tenant's number (the stand-in's `/_sim/incoming`). */
export async function incoming(gw: TestGateway, tenantId: string, body: Record<string, unknown>): Promise<void> {
  const client = gw.gateway.supervisor.runner(numberOf(gw, tenantId))?.client;
  if (!client) throw new Error(`tenant ${tenantId} has no child`);
  await client.request('POST', '/_sim/incoming', { body });
}
