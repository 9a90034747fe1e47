/** Shapes of the go-whatsapp-web-multidevice (v9) HTTP API that the gateway reads (docs/binary-contract.md §5–7). */
export interface GowaEnvelope<T = unknown> {
  readonly code: string;
  readonly message: string;
  readonly results?: T;
}

export interface GowaAppStatus {
  readonly device_id: string;
  readonly is_connected: boolean;
  readonly is_logged_in: boolean;
  readonly jid?: string;
}

export interface GowaDevice {
  readonly id: string;
  readonly phone_number?: string;
  readonly display_name?: string;
  readonly state: string;
  readonly jid?: string;
  readonly created_at?: string;
}

export interface GowaLogin {
  readonly device_id: string;
  readonly qr_duration: number;
  readonly qr_link: string;
}

export interface GowaPairCode {
  readonly device_id: string;
  readonly pair_code: string;
}

export interface GowaSendResult {
  readonly message_id: string;
  readonly status: string;
}

/** Frames on a child's `/ws` (docs/binary-contract.md §9): note `result`, singular. */
export interface GowaWsFrame {
  readonly code: string;
  readonly message: string;
  readonly result: unknown;
}

/** `GET /chats` items (contract §7 "Chat"). */
export interface GowaChat {
  readonly jid: string;
  readonly name?: string;
  readonly last_message_time?: string;
  readonly archived?: boolean;
}

export interface GowaPagination {
  readonly limit: number;
  readonly offset: number;
  readonly total: number;
}

/** `GET /chat/{jid}/messages` items. */
export interface GowaChatMessage {
  readonly id: string;
  readonly chat_jid: string;
  readonly sender_jid?: string;
  readonly sender_display_name?: string;
  readonly content?: string;
  readonly timestamp?: string;
  readonly is_from_me?: boolean;
  readonly media_type?: string;
  readonly filename?: string;
  readonly url?: string;
  readonly file_length?: number;
  readonly reactions?: readonly { readonly emoji?: string; readonly sender_jid?: string; readonly is_from_me?: boolean; readonly timestamp?: string }[] | null;
}

/** `GET /message/{id}/download` results: the file is then public under `{base}/statics/…`. */
export interface GowaDownload {
  readonly message_id: string;
  readonly media_type: string;
  readonly filename: string;
  readonly file_path: string;
  readonly file_size: number;
}
