import crypto from 'node:crypto';
import type { AuditLink } from '../../db/ports/audit.js';
import type { ChatwootBindingStore, HistoryImport } from '../../db/ports/chatwoot-bindings.js';
import type { LaneRef, NewJob } from '../../db/ports/chatwoot-jobs.js';
import type { ChatwootBindingRow } from '../../db/schema.js';
import { BINDING_DEFAULTS, type BindingOptions } from '../../domain/chatwoot.js';
import { GatewayError, ValidationError } from '../../domain/errors.js';
import { isPendingId } from '../../domain/number-key.js';
import type { Logger } from '../../lib/logger.js';
import { inwardReason } from '../../outward/outward-lookup.js';
import type { ChatwootClient } from '../client/client.js';
import { ChatwootError } from '../client/errors.js';
import type { CwInbox } from '../client/types.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { Bindings } from './bindings.js';

export interface BindRequest {
  readonly baseUrl?: string | undefined;
  readonly accountId?: number | undefined;
  readonly apiToken?: string | undefined;
  readonly inboxId?: number | undefined;
  readonly createInbox?: { readonly name: string } | undefined;
  /** The inbox's signing secret, for a token that cannot read it (not an administrator's). */
  readonly webhookSecret?: string | undefined;
  readonly options?: Partial<BindingOptions> | undefined;
}

/** Who asks: whether they are an administrator (their Chatwoot may then be on a private address) and their id. */
export interface Requester {
  readonly userId: number | null;
  readonly admin: boolean;
  /** The audit row of the bind, written in its transaction (it commits with the binding or not at all). */
  readonly audit?: AuditLink | undefined;
}

export interface BindingDefaults {
  readonly baseUrl: string | null;
  readonly token: string | null;
  readonly accountId: number;
}

export interface BindingServiceDeps {
  readonly repo: ChatwootBindingStore;
  readonly bindings: Bindings;
  readonly queue: Pick<JobQueue, 'wake' | 'forget'>;
  /** The history import of a number bound anew (null: none), queued in the bind's transaction. */
  readonly history: (phoneNumber: string, options: BindingOptions) => HistoryImport | null;
  readonly defaults: BindingDefaults;
  readonly logger: Logger;
}

export interface BindResult {
  readonly row: ChatwootBindingRow;
  /** Whether the inbox posts to our webhook URL (an agent's token cannot point it there; do it in Chatwoot). */
  readonly inboxWebhookSet: boolean;
}

/**
 * Makes, reads and removes bindings. A binding is checked against Chatwoot before anything is stored: the address
 * answers as a Chatwoot, the token is valid, its user belongs to the account, the inbox exists and is an API
 * inbox (or the token's administrator creates one) and no other number has it. A failed check is a 400 naming
 * the field; nothing is saved. The token and the inbox's signing secret are stored encrypted.
 */
export class BindingService {
  constructor(private readonly deps: BindingServiceDeps) {}

  async bind(phoneNumber: string, request: BindRequest, who: Requester, webhookBase: string): Promise<BindResult> {
    const baseUrl = (request.baseUrl ?? this.deps.defaults.baseUrl ?? '').replace(/\/+$/, '');
    const token = request.apiToken ?? this.deps.defaults.token;
    const accountId = request.accountId ?? this.deps.defaults.accountId;
    if (!baseUrl) throw invalid('baseUrl', 'give the Chatwoot address (or set CHATWOOT_BASE_URL)');
    // A tenant's own Chatwoot address may only be public; the operator's default (CHATWOOT_BASE_URL) is trusted.
    const outwardOnly = !who.admin && request.baseUrl !== undefined;
    if (outwardOnly) {
      const reason = await inwardReason(baseUrl);
      if (reason) throw invalid('baseUrl', `must be a public address: ${reason}`);
    }
    if (!token) throw invalid('apiToken', 'give a Chatwoot access token (Profile settings → Access Token), or set CHATWOOT_API_ACCESS_TOKEN');
    if ((request.inboxId === undefined) === (request.createInbox === undefined)) throw invalid('inboxId', 'give either inboxId or createInbox');
    const options: BindingOptions = { ...BINDING_DEFAULTS, ...((await this.deps.repo.get(phoneNumber))?.options ?? {}), ...stripUndefined(request.options ?? {}) };
    const client = this.deps.bindings.clientFor({ baseUrl, accountId, token, outwardOnly });
    const admin = await this.membership(client, accountId);
    const existing = await this.deps.repo.get(phoneNumber);
    const hookId = existing?.hookId ?? crypto.randomBytes(18).toString('base64url');
    const webhookUrl = `${webhookBase.replace(/\/+$/, '')}/webhooks/chatwoot/${hookId}`;
    const inbox = request.createInbox ? await this.createInbox(client, admin, request.createInbox.name, webhookUrl) : await this.apiInbox(client, accountId, request.inboxId ?? 0);
    const holder = await this.deps.repo.byInbox(baseUrl, accountId, inbox.id);
    if (holder && holder.phoneNumber !== phoneNumber) {
      throw new GatewayError('CHATWOOT_INBOX_TAKEN', `inbox ${inbox.id} of account ${accountId} is bound to another number already; unbind it there first`, { inboxId: inbox.id });
    }
    const secret = request.webhookSecret ?? inbox.secret ?? null;
    if (!secret && !options.unsignedWebhooks) {
      throw invalid('webhookSecret', "Chatwoot did not show this token the inbox's signing secret (not an administrator's token, or Chatwoot older than 4.13): give webhookSecret, or set options.unsignedWebhooks for Chatwoot older than 4.13");
    }
    let inboxWebhookSet = inbox.webhook_url === webhookUrl;
    if (!inboxWebhookSet && admin) {
      await this.chatwoot(client.setInboxWebhook(inbox.id, webhookUrl), 'inboxId');
      inboxWebhookSet = true;
    }
    // A number bound before it paired imports its history after its first backfill (the journal's subscriber).
    const pending = isPendingId(phoneNumber) && options.importDays > 0;
    const { row, queued } = await this.deps.repo.bind(
      {
        row: {
          phoneNumber,
          hookId,
          baseUrl,
          accountId,
          inboxId: inbox.id,
          inboxName: inbox.name,
          apiToken: this.deps.bindings.seal(token),
          webhookSecret: secret ? this.deps.bindings.seal(secret) : null,
          webhookUrl,
          options,
          ownerId: who.userId,
          outwardOnly,
          importPending: pending,
        },
        history: pending ? null : this.deps.history(phoneNumber, options),
      },
      who.audit,
    );
    const lanes = lanesOf(queued);
    this.deps.bindings.changed(phoneNumber);
    this.deps.queue.wake(lanes);
    this.deps.logger.info({ phoneNumber, baseUrl, accountId, inboxId: inbox.id, inboxWebhookSet, imported: lanes.length }, 'chatwoot binding saved');
    return { row, inboxWebhookSet };
  }

  async get(phoneNumber: string): Promise<ChatwootBindingRow> {
    const row = await this.deps.repo.get(phoneNumber);
    if (!row) throw new GatewayError('CHATWOOT_NOT_BOUND', `${phoneNumber} is not bound to a Chatwoot inbox`);
    return row;
  }

  /** Unbind: the binding and what the bridge kept for it go; the inbox stops posting to us when the token may say so. */
  async unbind(phoneNumber: string, audit?: AuditLink): Promise<{ inboxWebhookCleared: boolean }> {
    const row = await this.get(phoneNumber);
    const binding = this.deps.bindings.get(phoneNumber);
    let inboxWebhookCleared = false;
    try {
      const inbox = await binding?.client.inbox(row.inboxId);
      if (binding && inbox?.webhook_url === row.webhookUrl) {
        await binding.client.setInboxWebhook(row.inboxId, '');
        inboxWebhookCleared = true;
      }
    } catch (err) {
      this.deps.logger.info({ phoneNumber, err: (err as Error).message }, 'chatwoot: could not clear the inbox webhook on unbind');
    }
    await this.forget(phoneNumber, audit);
    return { inboxWebhookCleared };
  }

  /** The number went (or was unbound): everything of its binding goes, with the audit row of the unbind. */
  async forget(phoneNumber: string, audit?: AuditLink): Promise<void> {
    await this.deps.repo.deleteAll(phoneNumber, audit);
    this.deps.bindings.changed(phoneNumber);
    this.deps.queue.forget(phoneNumber);
  }

  /** The token's user must belong to the account; returns whether as an administrator. */
  private async membership(client: ChatwootClient, accountId: number): Promise<boolean> {
    let profile;
    try {
      profile = await client.profile();
    } catch (err) {
      if (err instanceof ChatwootError && err.kind === 'http' && err.status === 401) throw invalid('apiToken', `Chatwoot refused the token: ${err.detail ?? 'unauthorized'}`);
      if (err instanceof ChatwootError && err.kind === 'http') throw invalid('baseUrl', `no Chatwoot API answers there (HTTP ${err.status})`);
      if (err instanceof ChatwootError && err.kind === 'malformed') throw invalid('baseUrl', 'the address answers, but not as Chatwoot (no JSON)');
      throw invalid('baseUrl', `Chatwoot cannot be reached: ${(err as Error).message}`);
    }
    const account = (profile.accounts ?? []).find((a) => a.id === accountId);
    if (!account) throw invalid('accountId', `the token's user (${profile.name}) is not a member of account ${accountId}`);
    return account.role === 'administrator';
  }

  private async apiInbox(client: ChatwootClient, accountId: number, inboxId: number): Promise<CwInbox> {
    let inbox: CwInbox;
    try {
      inbox = await client.inbox(inboxId);
    } catch (err) {
      if (err instanceof ChatwootError && err.status === 404) throw invalid('inboxId', `account ${accountId} has no inbox ${inboxId} this token can see`);
      if (err instanceof ChatwootError && err.status === 401) throw invalid('accountId', `the token may not read account ${accountId}: ${err.detail ?? 'unauthorized'}`);
      throw invalid('baseUrl', `Chatwoot did not answer for the inbox: ${(err as Error).message}`);
    }
    if (inbox.channel_type !== 'Channel::Api') {
      throw invalid('inboxId', `inbox ${inboxId} is a ${inbox.channel_type} inbox; the bridge needs an API inbox (Settings → Inboxes → Add Inbox → API)`);
    }
    return inbox;
  }

  private async createInbox(client: ChatwootClient, admin: boolean, name: string, webhookUrl: string): Promise<CwInbox> {
    if (!admin) throw invalid('createInbox', "creating an inbox needs an administrator's token");
    return this.chatwoot(client.createInbox(name, webhookUrl), 'createInbox');
  }

  private async chatwoot<T>(call: Promise<T>, field: string): Promise<T> {
    try {
      return await call;
    } catch (err) {
      throw invalid(field, `Chatwoot refused: ${err instanceof ChatwootError ? (err.detail ?? err.message) : (err as Error).message}`);
    }
  }
}

/** Each lane once, in the order its first step was queued. */
function lanesOf(jobs: readonly NewJob[]): LaneRef[] {
  const lanes = new Map<string, LaneRef>();
  for (const { phoneNumber, lane } of jobs) lanes.set(`${phoneNumber}\u0000${lane}`, { phoneNumber, lane });
  return [...lanes.values()];
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError([{ field, message }]);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
