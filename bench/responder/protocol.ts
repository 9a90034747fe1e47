/**
 * What the bench and its responder processes say to each other over the fork IPC channel: one request, one
 * answer with the same id. Shared by both sides so the two stay in step.
 */
export interface HubStats {
  /** Children whose port is open now. */
  readonly children: number;
  /** `POST /send/message` answered with a message id. */
  readonly sends: number;
  /** Receipt webhooks (`message.ack` delivered + read) answered 2xx by the gateway, and those that were not. */
  readonly acks: number;
  readonly ackErrors: number;
  /** Incoming-message webhooks answered 2xx by the gateway, and those that were not. */
  readonly incoming: number;
  readonly incomingErrors: number;
  /** Webhook attempts that failed and were tried again, as the binary would (a well-behaved run has none). */
  readonly retries: number;
  /** The gateway's own outbound webhooks received, by `X-Event-Type`. */
  readonly outbound: Readonly<Record<string, number>>;
}

export interface InjectRequest {
  /** Incoming messages per second from all children together. */
  readonly rate: number;
  readonly durationSec: number;
  /** Tag carried in each message body (`fan:<step>:<ms>`), so a client can tell steps apart. */
  readonly step: number;
}

export interface InjectResult {
  readonly injected: number;
  readonly errors: number;
}

export interface SinkCounts {
  /** Per client: `whatsapp-websocket-message` frames received, by message type (`ack`, `message`, other). */
  readonly acks: readonly number[];
  readonly messages: readonly number[];
  readonly other: readonly number[];
  /** Date.now() when the last `ack` or `message` frame arrived at any client (0 before the first). */
  readonly lastAt: number;
}

/** Latency (receipt time − the event's `timestamp`) of every frame counted since the last reset, in 1 ms buckets. */
export interface SinkLatency {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export type HubRequest = { readonly cmd: 'stats' } | ({ readonly cmd: 'inject' } & InjectRequest);
export type SinkRequest = { readonly cmd: 'counts' } | { readonly cmd: 'latency'; readonly reset: boolean } | { readonly cmd: 'connected' };

export interface Envelope<T> {
  readonly id: number;
  readonly body: T;
}

export interface Answer {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

/** The first message a responder process sends once it listens. */
export interface Ready {
  readonly ready: true;
  /** Hub: the port shims connect to, and the port of the outbound webhook receiver. */
  readonly controlPort?: number;
  readonly receiverPort?: number;
}
