import type { Response } from 'undici';
import { ChatwootError, errorDetail, networkError } from './errors.js';
import type { ChatwootTransport } from './transport.js';
import type { CwContact, CwConversation, CwInbox, CwMessage, CwProfile, MessageDraft } from './types.js';

export interface ChatwootTarget {
  readonly baseUrl: string;
  readonly accountId: number;
  readonly token: string;
  readonly timeoutMs: number;
  readonly outwardOnly: boolean;
}

/** A downloaded attachment. */
export interface Download {
  readonly bytes: Buffer;
  readonly mime: string | null;
}

const MAX_ERROR_BYTES = 4096;

/**
 * The Chatwoot Application API as the bridge uses it (chatwoot.md §4): the token as `Api-Access-Token` (the dash
 * form survives proxies that drop underscores), JSON in and out, 200 for every success, display ids in URLs.
 * Every failure is a ChatwootError that says whether a retry can help.
 */
export class ChatwootClient {
  private readonly base: string;

  constructor(
    private readonly target: ChatwootTarget,
    private readonly transport: ChatwootTransport,
  ) {
    this.base = target.baseUrl.replace(/\/+$/, '');
  }

  /** The token's user and the accounts (with roles) it belongs to. */
  profile(): Promise<CwProfile> {
    return this.call('GET', '/api/v1/profile');
  }

  inbox(id: number): Promise<CwInbox> {
    return this.call('GET', this.account(`/inboxes/${id}`));
  }

  createInbox(name: string, webhookUrl: string): Promise<CwInbox> {
    return this.call('POST', this.account('/inboxes'), { name, channel: { type: 'api', webhook_url: webhookUrl } });
  }

  setInboxWebhook(id: number, webhookUrl: string): Promise<CwInbox> {
    return this.call('PATCH', this.account(`/inboxes/${id}`), { channel: { webhook_url: webhookUrl } });
  }

  /** Substring search (Chatwoot matches `%q%`): callers filter for the exact match themselves. */
  async searchContacts(q: string): Promise<CwContact[]> {
    const answer = await this.call<{ payload: CwContact[] }>('GET', this.account(`/contacts/search?q=${encodeURIComponent(q)}&include_contact_inboxes=true`));
    return answer.payload ?? [];
  }

  async createContact(body: Record<string, unknown>): Promise<{ contact: CwContact; sourceId: string | null }> {
    const answer = await this.call<{ payload: { contact: CwContact; contact_inbox?: { source_id?: string | null } } }>('POST', this.account('/contacts'), body);
    return { contact: answer.payload.contact, sourceId: answer.payload.contact_inbox?.source_id ?? null };
  }

  async updateContact(id: number, body: Record<string, unknown>): Promise<CwContact> {
    return (await this.call<{ payload: CwContact }>('PUT', this.account(`/contacts/${id}`), body)).payload;
  }

  /** Finds or makes the contact inbox with our source id (an identical existing row is returned). */
  contactInbox(contactId: number, inboxId: number, sourceId: string): Promise<{ source_id: string }> {
    return this.call('POST', this.account(`/contacts/${contactId}/contact_inboxes`), { inbox_id: inboxId, source_id: sourceId });
  }

  mergeContacts(baseId: number, mergeeId: number): Promise<unknown> {
    return this.call('POST', this.account('/actions/contact_merge'), { base_contact_id: baseId, mergee_contact_id: mergeeId });
  }

  createConversation(body: { inbox_id: number; contact_id: number; source_id: string; status: 'open' | 'pending' }): Promise<CwConversation> {
    return this.call('POST', this.account('/conversations'), body);
  }

  conversation(displayId: number): Promise<CwConversation> {
    return this.call('GET', this.account(`/conversations/${displayId}`));
  }

  /** The 20 newest, or up to 100 after `after` (ascending). */
  async messages(displayId: number, after?: number): Promise<CwMessage[]> {
    const query = after && after > 0 ? `?after=${after}` : '';
    return (await this.call<{ payload: CwMessage[] }>('GET', this.account(`/conversations/${displayId}/messages${query}`))).payload ?? [];
  }

  async createMessage(displayId: number, draft: MessageDraft): Promise<CwMessage> {
    const path = this.account(`/conversations/${displayId}/messages`);
    const attributes = draft.contentAttributes ?? {};
    if (!draft.attachments || draft.attachments.length === 0) {
      return this.call('POST', path, {
        content: draft.content ?? '',
        message_type: draft.messageType,
        private: draft.private ?? false,
        source_id: draft.sourceId,
        content_attributes: attributes,
      });
    }
    // Multipart: text fields are strings, content_attributes a JSON string, each file with its own Content-Type.
    const form = await this.transport.formData();
    if (draft.content) form.append('content', draft.content);
    form.append('message_type', draft.messageType);
    form.append('private', String(draft.private ?? false));
    form.append('source_id', draft.sourceId);
    form.append('content_attributes', JSON.stringify(attributes));
    for (const file of draft.attachments) form.append('attachments[]', new Blob([file.bytes], { type: file.mime }), file.fileName);
    return this.call('POST', path, form);
  }

  updateMessageStatus(displayId: number, messageId: number, status: 'sent' | 'delivered' | 'read' | 'failed', externalError?: string): Promise<CwMessage> {
    return this.call('PATCH', this.account(`/conversations/${displayId}/messages/${messageId}`), { status, ...(externalError ? { external_error: externalError } : {}) });
  }

  deleteMessage(displayId: number, messageId: number): Promise<CwMessage> {
    return this.call('DELETE', this.account(`/conversations/${displayId}/messages/${messageId}`));
  }

  /**
   * An attachment's bytes: `data_url` is an ActiveStorage redirect (possibly to another host), so redirects are
   * followed, every hop under the same address policy. No token goes with it (the URL is signed). More than
   * `maxBytes` (announced or streamed) is refused without reading the rest.
   */
  async download(url: string, maxBytes: number): Promise<Download> {
    let res: Response;
    try {
      res = await this.transport.fetch(url, { method: 'GET', headers: {}, timeoutMs: this.target.timeoutMs, follow: true, outwardOnly: this.target.outwardOnly });
    } catch (err) {
      throw networkError(err, 'attachment download', this.target.timeoutMs);
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new ChatwootError('http', `attachment download: HTTP ${res.status}`, res.status);
    }
    const announced = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(announced) && announced > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(announced, maxBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const reader = res.body?.getReader();
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge(size, maxBytes);
        }
        chunks.push(Buffer.from(value));
      }
    }
    return { bytes: Buffer.concat(chunks), mime: res.headers.get('content-type') };
  }

  private account(path: string): string {
    return `/api/v1/accounts/${this.target.accountId}${path}`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const what = `${method} ${path.replace(/\?.*$/, '')}`;
    const headers: Record<string, string> = { 'api-access-token': this.target.token, accept: 'application/json' };
    let payload: string | Awaited<ReturnType<ChatwootTransport['formData']>> | undefined;
    if (body !== undefined) {
      if (isForm(body)) payload = body;
      else {
        payload = JSON.stringify(body);
        headers['content-type'] = 'application/json';
      }
    }
    let res: Response;
    try {
      res = await this.transport.fetch(`${this.base}${path}`, { method, headers, body: payload, timeoutMs: this.target.timeoutMs, follow: false, outwardOnly: this.target.outwardOnly });
    } catch (err) {
      throw networkError(err, what, this.target.timeoutMs);
    }
    const text = await readText(res);
    if (res.status < 200 || res.status >= 300) {
      const detail = errorDetail(text);
      throw new ChatwootError('http', `${what}: HTTP ${res.status}${detail ? ` ${detail}` : ''}`, res.status, detail, retryAfter(res.headers.get('retry-after')));
    }
    try {
      return (text === '' ? {} : JSON.parse(text)) as T;
    } catch {
      throw new ChatwootError('malformed', `${what}: the answer is not JSON (is ${this.base} a Chatwoot?)`, res.status);
    }
  }
}

function isForm(body: unknown): body is Awaited<ReturnType<ChatwootTransport['formData']>> {
  return typeof body === 'object' && body !== null && typeof (body as { append?: unknown }).append === 'function' && typeof (body as { entries?: unknown }).entries === 'function';
}

async function readText(res: Response): Promise<string> {
  if (res.status >= 200 && res.status < 300) return res.text();
  // An error page may be large (nginx, Rails): the start is enough.
  const text = await res.text().catch(() => '');
  return text.slice(0, MAX_ERROR_BYTES);
}

function retryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

function tooLarge(size: number, max: number): ChatwootError {
  return new ChatwootError('too-large', `the attachment is larger than ${Math.round(max / 1_000_000)} MB (${Math.round(size / 1_000_000)} MB or more)`);
}
