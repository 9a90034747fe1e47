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

/**
 * One child's webhook sender: a POST per event to its `WHATSAPP_WEBHOOK`, signed like the binary
 * (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the exact body>`, Content-Length set), over the child's own
 * keep-alive connections. No retries: a webhook the gateway refuses is counted as an error and spoils the run.
 */
export class WebhookPoster {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly target: URL;

  constructor(
    url: string,
    private readonly secret: string,
  ) {
    this.target = new URL(url);
  }

  post(body: string, done: (ok: boolean) => void): void {
    const signature = crypto.createHmac('sha256', this.secret).update(body).digest('hex');
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
