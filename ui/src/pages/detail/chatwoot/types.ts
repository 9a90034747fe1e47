/** The Chatwoot routes' answers as the page reads them (src/http/routes/chatwoot-schemas.ts). */
import type { BindingOptions } from '../../../../../src/domain/chatwoot';

export interface ChatwootBacklog {
  readonly pending: number;
  readonly retrying: number;
  readonly dead: number;
  readonly oldestPendingAt: string | null;
}

// The options are the bridge's own type (pure, no imports), as the page reads the access model.
export type { BindingOptions as ChatwootOptions } from '../../../../../src/domain/chatwoot';

export interface ChatwootBinding {
  readonly phoneNumber: string;
  readonly baseUrl: string;
  readonly accountId: number;
  readonly inboxId: number;
  readonly inboxName: string | null;
  readonly webhookUrl: string;
  readonly signedWebhooks: boolean;
  /** Only in the answer to PUT: whether the inbox now posts to webhookUrl. */
  readonly inboxWebhookSet?: boolean;
  readonly options: BindingOptions;
  readonly importPending: boolean;
  readonly backlog: { readonly toChatwoot: ChatwootBacklog; readonly toWhatsapp: ChatwootBacklog; readonly pausedUntil: string | null };
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type ChatwootStatus = 'pending' | 'running' | 'done' | 'dead';
export type ChatwootDirection = 'to_chatwoot' | 'to_whatsapp';

export interface ChatwootDelivery {
  readonly id: number;
  readonly phoneNumber: string;
  readonly direction: ChatwootDirection;
  readonly kind: 'message' | 'merge' | 'note' | 'reply' | 'fail';
  readonly ref: string;
  readonly status: ChatwootStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ChatwootDeliveryPage {
  readonly deliveries: ChatwootDelivery[];
  readonly total: number;
}
