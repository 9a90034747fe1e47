/**
 * The Chatwoot bridge's own vocabulary (docs/chatwoot.md): what a binding may be told to do, and the durable jobs
 * that carry every step in either direction.
 */

/** Per binding; every option has a default (BINDING_DEFAULTS). */
export interface BindingOptions {
  /**
   * true: a person's messages keep going to their conversation, resolved or not (Chatwoot reopens a resolved one
   * when a customer writes); false: a resolved conversation stays closed and the next message opens a new one.
   */
  readonly reopenConversations: boolean;
  /** New conversations start as `pending` (for a bot or triage) instead of `open`. */
  readonly pendingConversations: boolean;
  /** Agent replies reach WhatsApp as `*Agent Name*:` + a new line + the text. */
  readonly signAgentName: boolean;
  /** Group chats are not bridged. */
  readonly ignoreGroups: boolean;
  /** Chats (JIDs) that are not bridged. */
  readonly ignoreChats: readonly string[];
  /** Messages of the last N days in the conversation store are imported when the binding is made (0: none). */
  readonly importDays: number;
  /** Messages sent from the number's own phone (or through the gateway's API) show as outgoing messages or as private notes. */
  readonly ownMessages: 'outgoing' | 'private_note';
  /** Chatwoot older than 4.13 sends API-inbox webhooks unsigned: then the secret path of our webhook URL is the only check. */
  readonly unsignedWebhooks: boolean;
}

export const BINDING_DEFAULTS: BindingOptions = {
  reopenConversations: true,
  pendingConversations: false,
  signAgentName: false,
  ignoreGroups: false,
  ignoreChats: [],
  importDays: 0,
  ownMessages: 'outgoing',
  unsignedWebhooks: false,
};

export type JobDirection = 'to_chatwoot' | 'to_whatsapp';
export type JobStatus = 'pending' | 'running' | 'done' | 'dead';

/**
 * - `message`: make Chatwoot show one message of the store as it is now (create it, then reflect its edit,
 *   deletion, reactions and status); `ref` = the store's message id.
 * - `merge`: a person known by `@lid` was merged into their phone chat; `ref` = the `@lid`.
 * - `note`: a message of the bridge itself (a command's answer, a QR code) in a conversation; `ref` = its source id.
 * - `reply`: an agent's message → WhatsApp through the outbox; `ref` = the Chatwoot message id.
 * - `fail`: mark a Chatwoot message failed with the reason; `ref` = the Chatwoot message id.
 */
export type JobKind = 'message' | 'merge' | 'note' | 'reply' | 'fail';

export const JOB_DIRECTION: Record<JobKind, JobDirection> = {
  message: 'to_chatwoot',
  merge: 'to_chatwoot',
  note: 'to_chatwoot',
  fail: 'to_chatwoot',
  reply: 'to_whatsapp',
};

/** Every source id the bridge gives a Chatwoot message starts with this: a webhook carrying it is our own echo. */
export const SOURCE_PREFIX = 'wamp:';
