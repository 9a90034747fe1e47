/** The parts of Chatwoot v4 answers the bridge reads (chatwoot.md §4); everything else is ignored. */

export interface CwProfile {
  readonly id: number;
  readonly name: string;
  readonly accounts: readonly { readonly id: number; readonly role: string; readonly name?: string }[];
}

export interface CwInbox {
  readonly id: number;
  readonly name: string;
  readonly channel_type: string;
  readonly webhook_url?: string | null;
  readonly inbox_identifier?: string | null;
  /** Administrators only, since 4.13: the secret that signs this inbox's webhooks. */
  readonly secret?: string | null;
}

export interface CwContactInbox {
  readonly source_id: string;
  readonly inbox?: { readonly id: number } | null;
}

export interface CwContact {
  readonly id: number;
  readonly name: string | null;
  readonly phone_number: string | null;
  readonly identifier: string | null;
  readonly custom_attributes?: Record<string, unknown>;
  readonly contact_inboxes?: readonly CwContactInbox[];
}

export interface CwConversation {
  /** The display id (what URLs and payloads call the conversation). */
  readonly id: number;
  readonly inbox_id: number;
  readonly status: string;
  readonly contact_inbox?: { readonly source_id?: string } | null;
}

export interface CwAttachment {
  readonly id: number;
  readonly file_type: string;
  readonly data_url: string;
  readonly file_size?: number | null;
  readonly extension?: string | null;
  readonly content_type?: string | null;
}

export interface CwMessage {
  readonly id: number;
  readonly content: string | null;
  /** An integer in REST answers (0 incoming, 1 outgoing, 2 activity, 3 template). */
  readonly message_type: number | string;
  readonly source_id: string | null;
  readonly status?: string;
  readonly private?: boolean;
  readonly content_attributes?: Record<string, unknown> | null;
  readonly attachments?: readonly CwAttachment[];
}

/** A message the bridge creates; `attachments` go as multipart `attachments[]` with their own Content-Type. */
export interface MessageDraft {
  readonly content: string | null;
  readonly messageType: 'incoming' | 'outgoing';
  readonly private?: boolean;
  readonly sourceId: string;
  readonly contentAttributes?: Record<string, unknown>;
  readonly attachments?: readonly { readonly fileName: string; readonly mime: string; readonly bytes: Buffer }[];
}
