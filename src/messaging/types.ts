import type { Backoff } from '../domain/backoff.js';
import type { DevicePatch } from '../db/ports/devices.js';
import type { DeviceRow, MessageRow, MessageStatus } from '../db/schema.js';
import type { GowaClient } from '../gowa/client.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { SupervisorEvents } from '../supervisor/types.js';

export type { MessageStatus };

/** Per-number send pacing, as p-queue reads it: at most `intervalCap` sends start in any `interval` ms window. */
export interface QueuePolicy {
  readonly concurrency: number;
  readonly interval: number;
  readonly intervalCap: number;
}

export type MessageKind = 'text' | 'image' | 'file';

/** A file a caller uploaded, kept under the outbox media folder until the message reaches a final status. */
export interface StoredUpload {
  /** Relative to the media root; never shown to callers. */
  readonly path: string;
  readonly fileName: string;
  readonly mimeType: string;
  readonly size: number;
}

/** What the child needs to send one message; stored as the outbox row's JSON payload. */
export interface MessagePayload {
  readonly message?: string;
  readonly caption?: string;
  readonly imageUrl?: string;
  readonly fileUrl?: string;
  readonly viewOnce?: boolean;
  readonly compress?: boolean;
  readonly upload?: StoredUpload;
  /** Hash of what was asked, so an Idempotency-Key reused for a different message is refused. */
  readonly fingerprint: string;
}

/** What a caller sees of a number's queue (device object and status). */
export interface QueueStatus {
  /** Messages accepted and not yet sent, failed or expired (queued + sending). */
  readonly depth: number;
  readonly inFlight: number;
  readonly paused: boolean;
  readonly pausedUntil: string | null;
  /** Why nothing is moving right now (timelock, device not running, waiting to retry), or null. */
  readonly reason: string | null;
  readonly policy: QueuePolicy;
  readonly customPolicy: boolean;
}

export interface OutboxEvents {
  [event: string]: unknown;
  /** A message changed status (accepted, sent, delivered, read, failed, expired). */
  status: { id: string; phoneNumber: string; status: MessageStatus; waMessageId: string | null; error: string | null; at: number; row?: MessageRow };
  /** A number's queue was paused (timelock) or resumed. */
  paused: { phoneNumber: string; paused: boolean; pausedUntil: number | null; reason: string | null; at: number };
}

export interface OutboxSettings {
  readonly defaultPolicy: QueuePolicy;
  readonly ttlMs: number;
  readonly sendTimeoutMs: number;
  readonly maxAttempts: number;
  /** Backoff between send attempts, and while a number waits for its child. */
  readonly retry: Backoff;
  readonly timelockPauseMs: number;
  /**
   * Our timeout does not stop the child: it may still send until its own request timeout (45 s in the binary).
   * A send with an unknown outcome is checked only this long after it started (sooner if the process is replaced).
   */
  readonly verifyDelayMs: number;
  /** How often queued messages past their TTL are marked expired. */
  readonly sweepIntervalMs: number;
}

/**
 * Which numbers this node sends for (DM-21): in distributed mode a number's messages are sent by its owner only
 * (any node accepts them); the ownership core answers. Absent on one host, where every number is this node's.
 */
export interface DispatchGate {
  owns(phoneNumber: string): boolean;
}

/** What the outbox needs of the supervisor: a number's running child, and when children come up or log in. */
export interface OutboxChildren {
  readonly events: Listenable<SupervisorEvents>;
  runner(phoneNumber: string): { readonly state: string; readonly client: GowaClient | null } | undefined;
}

/** Where a number's pacing and timelock pause are kept (its device row). */
export interface QueueSettingsStore {
  get(phoneNumber: string): Pick<DeviceRow, 'pausedUntil' | 'pauseReason' | 'queuePolicy'> | undefined;
  update(phoneNumber: string, patch: Pick<DevicePatch, 'pausedUntil' | 'pauseReason' | 'queuePolicy'>): unknown;
}
