import type { GowaWsFrame } from '../gowa/types.js';

/** What the children report, joined into one stream: /ws lifecycle frames and webhook events. */
export interface ChildFeedEvents {
  [event: string]: unknown;
  'feed-open': { phoneNumber: string; port: number };
  'feed-closed': { phoneNumber: string; port: number; code: number };
  frame: { phoneNumber: string; port: number; frame: GowaWsFrame; at: number };
  /** A verified webhook from a child (contract §10): `event` is e.g. `message`, `message.ack`. */
  webhook: { phoneNumber: string; event: string; body: Record<string, unknown>; at: number };
}
