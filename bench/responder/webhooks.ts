import crypto from 'node:crypto';
import http from 'node:http';

/** RFC 3339 at second precision, as the binary prints times. */
const rfc3339 = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

// The keys below are in the order Go's encoding/json writes a map: sorted.
const RECEIPT_TEXT = {
  delivered: 'means the message was delivered to the device (but the user might not have noticed).',
  read: 'the user opened the chat and saw the message.',
} as const;

/** `message.ack` for one sent message, in the binary's v8+ envelope. */
export function ackEnvelope(deviceId: string, messageId: string, chatJid: string, type: 'delivered' | 'read'): string {
  return JSON.stringify({
    device_id: `${deviceId}@s.whatsapp.net`,
    event: 'message.ack',
    payload: { chat_id: chatJid, from: chatJid, ids: [messageId], receipt_type: type, receipt_type_description: RECEIPT_TEXT[type], sender_display_name: '' },
    session_id: deviceId,
    timestamp: rfc3339(new Date()),
  });
}

const CONTACT = '6289876543210@s.whatsapp.net';

/** An incoming text message (`message`, no top-level timestamp: the message family carries its own). */
export function incomingEnvelope(deviceId: string, body: string): string {
  return JSON.stringify({
    device_id: `${deviceId}@s.whatsapp.net`,
    event: 'message',
    payload: {
      body,
      chat_id: CONTACT,
      from: CONTACT,
      from_name: 'Sim Contact',
      id: `3A${crypto.randomBytes(9).toString('hex').toUpperCase()}`,
      is_from_me: false,
      sender_display_name: 'Sim Contact',
      timestamp: rfc3339(new Date()),
    },
    session_id: deviceId,
  });
}

/** The binary's delivery: up to 5 attempts, 1, 2, 4 and 8 s apart, for any non-2xx answer or network error. */
const ATTEMPTS = 5;
const FIRST_PAUSE_MS = 1000;

/**
 * One child's webhook sender: a POST per event to its `WHATSAPP_WEBHOOK`, signed like the binary
 * (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the exact body>`, Content-Length set), over the child's own
 * keep-alive connections, retried like the binary. `done(false)` only once every attempt failed.
 */
export class WebhookPoster {
  /** Idle connections are closed before the gateway's 5 s keep-alive timeout could close them under a request. */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16, timeout: 4000 });
  /** Attempts that failed and were tried again (a well-behaved run has none). */
  retries = 0;
  private readonly target: URL;

  constructor(
    url: string,
    private readonly secret: string,
  ) {
    this.target = new URL(url);
  }

  post(body: string, done: (ok: boolean) => void): void {
    const signature = crypto.createHmac('sha256', this.secret).update(body).digest('hex');
    const attempt = (n: number): void =>
      this.once(body, signature, (ok) => {
        if (ok || n >= ATTEMPTS) {
          done(ok);
          return;
        }
        this.retries++;
        setTimeout(() => attempt(n + 1), FIRST_PAUSE_MS * 2 ** (n - 1)).unref();
      });
    attempt(1);
  }

  private once(body: string, signature: string, done: (ok: boolean) => void): void {
    const req = http.request({
      host: this.target.hostname,
      port: this.target.port,
      path: this.target.pathname,
      method: 'POST',
      agent: this.agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-hub-signature-256': `sha256=${signature}`,
        'user-agent': 'Go-http-client/1.1',
      },
    });
    let settled = false;
    const settle = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      done(ok);
    };
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => settle((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300));
      res.on('error', () => settle(false));
    });
    req.on('error', () => settle(false));
    req.end(body);
  }

  close(): void {
    this.agent.destroy();
  }
}
