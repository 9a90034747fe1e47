import type { GowaWsFrame } from '../gowa/types.js';

/** What the children report, joined into one stream: /ws lifecycle frames and webhook events. */
export interface ChildFeedEvents {
  [event: string]: unknown;
  'feed-open': { phoneNumber: string; port: number };
  'feed-closed': { phoneNumber: string; port: number; code: number };
  frame: { phoneNumber: string; port: number; frame: GowaWsFrame; at: number };
  /** A QR code the gateway fetched from a child (the binary itself sends no WS frame for it, contract §8). */
  qr: { phoneNumber: string; port: number; qrCode: string; expiresAt: string; at: number };
  /** A verified webhook from a child (contract §10): `event` is e.g. `message`, `message.ack`. */
  webhook: { phoneNumber: string; event: string; body: Record<string, unknown>; at: number };
}
