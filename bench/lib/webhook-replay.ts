import crypto from 'node:crypto';
import http from 'node:http';
import type { ChildEndpoint } from './numbers.js';
import { environOf } from './processes.js';

/** Where a child sends its webhooks, and the secret it signs them with (read from its environment). */
export interface ReplayTarget {
  readonly phoneNumber: string;
  readonly url: URL;
  readonly secret: string;
}

export function replayTargets(children: readonly ChildEndpoint[]): ReplayTarget[] {
  return children.map((child) => {
    const env = environOf(child.pid);
    const url = env?.get('WHATSAPP_WEBHOOK');
    const secret = env?.get('WHATSAPP_WEBHOOK_SECRET');
    if (!url || !secret) throw new Error(`cannot read the webhook settings of pid ${child.pid}`);
    return { phoneNumber: child.phoneNumber, url: new URL(url), secret };
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One incoming-message webhook exactly as a child would send it (v8+ envelope, `X-Hub-Signature-256` over the
 * exact bytes), posted by the bench itself: a cheap stand-in for the children's own webhook sending, so the
 * gateway's side of fan-out can be measured without the stand-ins' CPU cost.
 */
export function postMessageWebhook(target: ReplayTarget, body: string, message: { id?: string; chat?: string } = {}): Promise<number> {
  const chat = message.chat ?? '6289876543210@s.whatsapp.net';
  const payload = JSON.stringify({
    event: 'message',
    device_id: `${target.phoneNumber}@s.whatsapp.net`,
    session_id: target.phoneNumber,
    payload: {
      id: message.id ?? `3EB0${crypto.randomBytes(8).toString('hex').toUpperCase()}`,
      chat_id: chat,
      from: chat,
      sender_display_name: 'Sim Contact',
      from_name: 'Sim Contact',
      timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      is_from_me: false,
      body,
    },
  });
  const signature = crypto.createHmac('sha256', target.secret).update(payload).digest('hex');
  return new Promise((resolve, reject) => {
    const req = http.request(target.url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), 'x-hub-signature-256': `sha256=${signature}` },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export function closeReplayAgent(): void {
  agent.destroy();
}
