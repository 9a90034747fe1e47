/** The API's shapes, as the dashboard reads them (see /api-docs/openapi.json). */
export type DeviceState = 'stopped' | 'starting' | 'running' | 'stopping' | 'backoff' | 'failed' | 'replaced';
export type SessionState = 'unknown' | 'not_logged_in' | 'logged_in' | 'logged_out';
export type Role = 'admin' | 'user' | 'viewer';

export interface User {
  readonly id: number;
  readonly username: string;
  readonly role: Role;
}

export interface QueuePolicy {
  readonly concurrency: number;
  readonly interval: number;
  readonly intervalCap: number;
}

export interface QueueStatus {
  readonly depth: number;
  readonly inFlight: number;
  readonly paused: boolean;
  readonly pausedUntil: string | null;
  readonly reason: string | null;
  readonly policy: QueuePolicy;
  readonly customPolicy: boolean;
}

export interface Device {
  readonly phoneNumber: string;
  readonly name: string;
  readonly state: DeviceState;
  readonly desiredState: 'running' | 'stopped';
  readonly sessionState: SessionState;
  readonly loggedIn: boolean;
  readonly jid: string | null;
  readonly pid: number | null;
  readonly uptimeMs: number | null;
  readonly restartCount: number;
  readonly lastExitCode: number | null;
  readonly lastExitSignal: string | null;
  readonly lastError: string | null;
  readonly webhookUrl: string | null;
  readonly webhookEvents: string[] | null;
  readonly queue: QueueStatus | null;
}

export interface DeviceHealth {
  readonly phoneNumber: string;
  readonly connected: boolean;
  readonly uptimeSeconds: number | null;
  readonly restarts: number;
  readonly rssBytes: number | null;
  readonly cpuPercent: number | null;
  readonly queueDepth: number;
  readonly lastEventAt: string | null;
}

export interface QrCode {
  readonly qrCode: string;
  readonly expiresAt: string;
}

export interface FeedMessage {
  readonly seq: number;
  readonly eventId: string;
  readonly phoneNumber: string;
  readonly source: 'ws' | 'webhook' | 'gateway';
  readonly event: string;
  readonly at: string;
  readonly type: 'qr' | 'ready' | 'message' | 'ack' | 'logged_out' | 'status' | 'raw';
  readonly qr?: string;
  readonly expiresAt?: string;
  readonly jid?: string | null;
  readonly change?: 'state' | 'session';
  readonly from?: string;
  readonly to?: string;
  readonly reason?: string | null;
  readonly payload?: Record<string, unknown>;
}

export interface TimelineEntry {
  readonly id: number;
  readonly type: string;
  readonly fromState: string | null;
  readonly toState: string | null;
  readonly detail: { reason?: string; exitCode?: number | null; signal?: string | null; jid?: string; [key: string]: unknown } | null;
  readonly at: string;
}

export type DeliveryStatus = 'pending' | 'failed' | 'dead' | 'delivered';

export interface Delivery {
  readonly id: number;
  readonly eventId: string;
  readonly type: string;
  readonly phoneNumber: string;
  readonly endpoint: string;
  readonly scope: 'device' | 'global';
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
  readonly createdAt: string;
}

export interface LogLine {
  readonly at: string;
  readonly stream: 'stdout' | 'stderr' | 'gateway';
  readonly line: string;
}

export interface DeviceStats {
  readonly resources: { at: string; rssBytes: number; cpuPercent: number }[];
  readonly activity: { minute: string; sent: number; delivered: number; received: number }[];
  readonly totals: { sent: number; delivered: number; received: number; deliveryRate: number | null };
}

export const DEVICE_STATES: readonly DeviceState[] = ['running', 'starting', 'stopping', 'backoff', 'failed', 'replaced', 'stopped'];
