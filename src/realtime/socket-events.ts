import type { CallerPrincipal } from '../auth/principal.js';
import { STORE_EVENTS, type StoreEventName } from '../conversations/types.js';
import type { ConversationView, MessageStatusView, MessageView } from '../conversations/views.js';
import type { FeedMessage } from '../events/feed-message.js';

export type { StoreEventName };

/** Every conversation-store event names the number and the `seq` of the event it came from. */
interface StoreEventBase {
  readonly phoneNumber: string;
  readonly seq: number;
}

/**
 * The Socket.IO protocol, shared by the server and typed clients (tests, dashboards):
 *   const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { token } });
 * Event names and fields are the ones of PRODUCT.md; fields were only added.
 */
export interface ServerToClientEvents {
  /** Every message of every number the user may see. */
  'whatsapp-websocket-message': (data: { phoneNumber: string; port: number | null; message: FeedMessage; timestamp: string }) => void;
  /** Messages of one number, to the sockets that joined `device-<phoneNumber>`. */
  'device-websocket-message': (data: { message: FeedMessage; timestamp: string }) => void;
  /** The gateway's link to a number's `/ws` opened. */
  'container-websocket-connected': (data: { phoneNumber: string; port: number }) => void;
  /** The gateway's link to a number's `/ws` closed (it reconnects by itself while the process runs). */
  'container-websocket-closed': (data: { phoneNumber: string; port: number; code: number }) => void;
  /** A number's process exited without being asked to. */
  'process-stopped': (data: { phoneNumber: string; port: number | null; code: number | null; signal: string | null; willRestart: boolean }) => void;
  /** Admins only: the release feed has a newer WhatsApp binary than the one running (AUTO_UPDATE=check|apply). */
  'binary-update-available': (data: { current: string | null; latest: string }) => void;
  /** Admins only: a rollout onto a new binary finished (ok) or stopped and rolled back (failedOn, reason). */
  'binary-update-applied': (data: { version: string; ok: boolean; moved: string[]; failedOn: string | null; reason: string | null }) => void;
  /**
   * The conversation store, to the sockets that joined `device-<phoneNumber>` (also replayed by a resuming
   * `join`): a message stored, a message changed (edit, deletion, reaction), an outgoing message's status, a chat
   * changed (new last message, unread count, name), a chat merged into another (its `@lid` became known).
   */
  'message.new': (data: StoreEventBase & { message: MessageView }) => void;
  'message.updated': (data: StoreEventBase & { message: MessageView }) => void;
  'message.status': (data: StoreEventBase & { message: MessageStatusView }) => void;
  'conversation.updated': (data: StoreEventBase & { conversation: ConversationView }) => void;
  'conversation.removed': (data: StoreEventBase & { chatId: string; mergedInto: string | null }) => void;
  /** A `join` was refused (also reported through the join acknowledgement, when one was given). */
  'join-error': (data: { room: string; code: string; message: string }) => void;
}

export interface JoinRequest {
  readonly room: string;
  /** Resume: first replay the stored messages with a sequence number above this one. */
  readonly since?: number;
}

export type JoinResult =
  | {
      readonly ok: true;
      readonly room: string;
      /** Newest sequence number of the number (compare with your own after a resume). */
      readonly lastSeq: number;
      /** Messages replayed before live ones (0 without `since`). */
      readonly replayed: number;
      /** Some messages after `since` could not be replayed (older than the window): fetch them over REST. */
      readonly truncated: boolean;
    }
  | { readonly ok: false; readonly room: string; readonly error: { readonly code: string; readonly message: string } };

export interface ClientToServerEvents {
  join: (request: string | JoinRequest, ack?: (result: JoinResult) => void) => void;
  leave: (room: string, ack?: (result: { ok: boolean; room: string }) => void) => void;
}

export type InterServerEvents = Record<string, never>;

export interface SocketData {
  /** Who connected; replaced by a fresh copy whenever access changes (or the socket is disconnected). */
  principal: CallerPrincipal;
  /** The numbers whose global events this socket receives; null = every number (admins). */
  numbers: Set<string> | null;
}

export const DEVICE_ROOM_PREFIX = 'device-';

export function isStoreEvent(name: string): name is StoreEventName {
  return (STORE_EVENTS as readonly string[]).includes(name);
}

export function deviceRoom(phoneNumber: string): string {
  return `${DEVICE_ROOM_PREFIX}${phoneNumber}`;
}
