/**
 * A small stand-in for the Flask back end (the Sua Agenda system): it calls exactly what the Flask app calls on
 * the legacy server, in the order it calls it, with its own `.env` value `WHATSAPP_API_URL` as the only thing it
 * knows of the server. Written against the legacy contract, not against our layer: if this needs a change to run
 * against the gateway, the gateway is not a drop-in replacement.
 */
export interface FlaskAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export class FlaskApp {
  constructor(
    /** `WHATSAPP_API_URL` of Flask's `.env`. */
    private readonly whatsappApiUrl: string,
    /** What Flask-side proxies send, when configured (`X-Internal-Secret`); none by default. */
    private readonly headers: Record<string, string> = {},
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<FlaskAnswer> {
    const res = await fetch(`${this.whatsappApiUrl}${path}`, {
      method,
      headers: { ...this.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Setup step 1 (README): is the WhatsApp server up? */
  health(): Promise<FlaskAnswer> {
    return this.call('GET', '/health');
  }

  /** Setup step 2: the company's tenant. */
  createTenant(empresaId: number): Promise<FlaskAnswer> {
    return this.call('POST', '/tenants', { tenantId: empresaId });
  }

  /** Setup step 3: the QR code to scan, rendered by Flask from the raw text. */
  tenantQr(empresaId: number): Promise<FlaskAnswer> {
    return this.call('GET', `/tenants/${empresaId}/qr`);
  }

  tenantStatus(empresaId: number): Promise<FlaskAnswer> {
    return this.call('GET', `/tenants/${empresaId}/status`);
  }

  /** What the app does for every outgoing message (reminders, confirmations). */
  sendMessage(empresaId: number, phone: string, message: string): Promise<FlaskAnswer> {
    return this.call('POST', `/send/${empresaId}`, { phone, message });
  }

  /** The /configuracao page: disconnect, connect, show the QR code, poll the status. */
  disconnect(empresaId: number): Promise<FlaskAnswer> {
    return this.call('POST', `/disconnect/${empresaId}`);
  }

  connect(empresaId: number): Promise<FlaskAnswer> {
    return this.call('POST', `/connect/${empresaId}`);
  }

  qr(empresaId: number): Promise<FlaskAnswer> {
    return this.call('GET', `/qr/${empresaId}`);
  }

  /** Troubleshooting (README): restart the company's connection. */
  restart(empresaId: number): Promise<FlaskAnswer> {
    return this.call('POST', `/restart/${empresaId}`);
  }

  overview(): Promise<FlaskAnswer> {
    return this.call('GET', '/status');
  }

  removeTenant(empresaId: number): Promise<FlaskAnswer> {
    return this.call('DELETE', `/tenants/${empresaId}`);
  }
}
