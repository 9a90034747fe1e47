import type { GowaWsFrame } from '../gowa/types.js';

/** What the children's `/ws` links report (docs/binary-contract.md §9: lifecycle frames only). */
export interface ChildFeedEvents {
  [event: string]: unknown;
  'feed-open': { phoneNumber: string; port: number };
  'feed-closed': { phoneNumber: string; port: number; code: number };
  frame: { phoneNumber: string; port: number; frame: GowaWsFrame; at: number };
}
