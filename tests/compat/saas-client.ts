/**
 * A stand-in for the multi-client SaaS front end: it calls `/api/clients/*` and `/health` as that front end does
 * (its admin page: list with totals, "Ver QR Code", connect / disconnect; its inbox: chats, messages, send), with
 * a base URL and a bearer credential. Written against the API's names, not against our internals.
 */
export interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export class SaasClient {
  constructor(
    private readonly baseUrl: string,
    private readonly credential: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.credential}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers };
  }

  health() {
    return this.call<{ status: string; timestamp: string; activeClients: number }>('GET', '/health');
  }

  clients() {
    return this.call<{ clients: { id: string; status: string; state: string }[]; total: number; totals: Record<string, number> }>('GET', '/api/clients');
  }

  connect(id: string) {
    return this.call<{ id: string; status: string; state: string }>('POST', `/api/clients/${id}/connect`);
  }

  disconnect(id: string) {
    return this.call<{ id: string; status: string; state: string }>('POST', `/api/clients/${id}/disconnect`);
  }

  status(id: string) {
    return this.call<{ client: { id: string; status: string }; child: { is_logged_in: boolean } | null }>('GET', `/api/clients/${id}/status`);
  }

  qr(id: string) {
    return this.call<{ qrCode: string; qr: string | null; expiresAt: string }>('GET', `/api/clients/${id}/qr`);
  }

  send(id: string, to: string, message: string, idempotencyKey?: string) {
    return this.call<{ id: string; status: string }>('POST', `/api/clients/${id}/send-message`, { to, message }, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
  }

  chats(id: string, query = '') {
    return this.call<{ data: { id: string; lastMessage: { preview: string } | null }[]; page: { before: string | null; hasBefore: boolean } }>('GET', `/api/clients/${id}/chats${query}`);
  }

  messages(id: string, chatId: string, query = '') {
    return this.call<{ data: { id: string; text: string | null; direction: string }[]; page: { before: string | null; hasBefore: boolean } }>('GET', `/api/clients/${id}/chats/${encodeURIComponent(chatId)}/messages${query}`);
  }
}
