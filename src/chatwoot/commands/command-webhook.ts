import crypto from 'node:crypto';
import type { AuditLog } from '../../audit/audit-log.js';
import type { AuditLink } from '../../db/ports/audit.js';
import type { ChatwootBindingStore } from '../../db/ports/chatwoot-bindings.js';
import { SOURCE_PREFIX } from '../../domain/chatwoot.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { appendBridge, bridgeLink, type RequestFacts } from '../audit.js';
import type { BindingDefaults } from '../bindings/binding-service.js';
import type { Bindings } from '../bindings/bindings.js';
import { isObject, num, str } from '../to-whatsapp/payload.js';
import { verifyChatwootSignature } from '../to-whatsapp/signature.js';
import type { CommandOrigin, CommandRunner } from './command-runner.js';
import { looksLikeCommand, parseCommand, type Command } from './parse-command.js';

export interface CommandSettings {
  /** CHATWOOT_COMMAND_SECRET: the account webhook's signing secret; unset = no command runs. */
  readonly secret: string | null;
  readonly keyword: string;
  /** WEBHOOK_AUTHORIZED_PHONE_NUMBERS, as +digits. */
  readonly authorized: readonly string[];
  /** DEFAULT_RELAY_CHATWOOT_INBOX_ID: commands only from this inbox's conversations. */
  readonly relayInboxId: number | null;
  readonly toleranceSec: number;
}

export type { RequestFacts } from '../audit.js';

/** What a command endpoint answers (the route turns it into HTTP). */
export interface CommandEndpoint {
  accept(raw: Buffer, headers: { delivery?: string; timestamp?: string; signature?: string }, webhookBase: string, facts: RequestFacts): Promise<Answer>;
}

/** One audited decision about a command message; the one place every command (run or refused) is recorded. */
export interface CommandAuditEntry {
  readonly deliveryKey: string;
  readonly verdict: 'accepted' | 'refused';
  readonly reason: string | null;
  readonly command: string | null;
  readonly sender: string | null;
  readonly accountId: number | null;
  readonly inboxId: number | null;
  readonly conversationId: number | null;
  readonly phoneNumber: string | null;
}

export interface CommandWebhookDeps {
  readonly settings: CommandSettings;
  readonly runner: CommandRunner;
  readonly repo: Pick<ChatwootBindingStore, 'logCommand'>;
  readonly bindings: Bindings;
  readonly defaults: BindingDefaults;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
}

type Answer = { status: number; body: Record<string, unknown> };

/**
 * `POST /webhook/comando` (PRODUCT.md): Chatwoot's account webhook posts every `message_created` of the account
 * here. A message is a command only if it starts with the keyword; then it runs only when everything holds: the
 * delivery is signed with CHATWOOT_COMMAND_SECRET (fresh timestamp), it is a customer's (incoming, public) message
 * whose phone is in WEBHOOK_AUTHORIZED_PHONE_NUMBERS, from the relay inbox when one is set, parsed strictly, and a
 * `connect` names the account it came from. Each such message is audited once (run or refused, with why) in the
 * command log and the audit log, in one transaction; what it then did is a second audit row (`chatwoot.command.*`).
 * A delivery that is not signed is refused by the route and audited by the audit trail (actor unknown). The
 * bridge's own notes never count (our source id), and a delivery seen before runs nothing.
 */
export class CommandWebhook implements CommandEndpoint {
  constructor(private readonly deps: CommandWebhookDeps) {}

  async accept(raw: Buffer, headers: { delivery?: string; timestamp?: string; signature?: string }, webhookBase: string, facts: RequestFacts): Promise<Answer> {
    const { settings } = this.deps;
    // Unverified requests never take a delivery id: a forgery must not block the real delivery that comes later.
    // Their audit row is the trail's (the route answers 401); the command log keeps them beside the verified ones.
    const refuse = async (status: number, reason: string): Promise<Answer> => {
      await this.logCommand({ deliveryKey: `command:unverified:${crypto.randomUUID()}`, verdict: 'refused', reason, command: null, sender: null, accountId: null, inboxId: null, conversationId: null, phoneNumber: null });
      return { status, body: { error: { code: 'UNAUTHORIZED', message: reason } } };
    };
    if (!settings.secret) return refuse(401, 'commands are off: set CHATWOOT_COMMAND_SECRET to the account webhook’s secret');
    const verdict = verifyChatwootSignature(settings.secret, headers.timestamp, headers.signature, raw, settings.toleranceSec, this.deps.clock.now());
    if (!verdict.ok) return refuse(401, `forged or unsigned: ${verdict.reason}`);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return { status: 400, body: { error: { code: 'MALFORMED_BODY', message: 'the webhook body is not JSON' } } };
    }
    if (!isObject(body) || str(body['event']) !== 'message_created') return { status: 200, body: { ok: true, ignored: 'not a new message' } };
    const content = str(body['content']) ?? '';
    if (!looksLikeCommand(content, settings.keyword)) return { status: 200, body: { ok: true, ignored: 'not a command' } };
    // The bridge's own notes (QR codes, answers) quote commands: they are never one.
    if ((str(body['source_id']) ?? '').startsWith(SOURCE_PREFIX)) return { status: 200, body: { ok: true, ignored: 'the bridge’s own message' } };
    const said = factsOf(body, content);
    const keyed = {
      deliveryKey: headers.delivery ? `command:${headers.delivery.slice(0, 100)}` : `command:message:${said.accountId}:${num(body['id']) ?? crypto.randomUUID()}`,
      command: said.command,
      sender: said.sender,
      accountId: said.accountId,
      conversationId: said.conversationId,
      inboxId: null,
      phoneNumber: null,
    };
    const refuseWith = async (reason: string): Promise<Answer> => {
      if (!(await this.audit({ ...keyed, verdict: 'refused', reason }, facts))) return { status: 200, body: { ok: true, duplicate: true } };
      return { status: 200, body: { ok: false, refused: reason } };
    };
    if (str(body['message_type']) !== 'incoming' || body['private'] === true) return refuseWith('only a customer’s public (incoming) message runs a command');
    if (!said.sender || !settings.authorized.includes(said.sender)) return refuseWith('the sender’s phone is not in WEBHOOK_AUTHORIZED_PHONE_NUMBERS');
    if (settings.relayInboxId !== null && said.sourceInboxId !== settings.relayInboxId) return refuseWith(`commands are taken only in inbox ${settings.relayInboxId} (DEFAULT_RELAY_CHATWOOT_INBOX_ID)`);
    const parsed = parseCommand(content, settings.keyword);
    if (!parsed.ok) return refuseWith(parsed.reason);
    if (parsed.command.kind === 'connect' && parsed.command.accountId !== said.accountId) return refuseWith(`the command names account ${parsed.command.accountId} but came from account ${said.accountId}`);
    if (said.accountId === null || said.conversationId === null) return refuseWith('the webhook names no account or conversation');
    if (!this.deps.defaults.baseUrl || !this.deps.defaults.token) return refuseWith('CHATWOOT_BASE_URL and CHATWOOT_API_ACCESS_TOKEN are needed to run commands');
    if (!(await this.audit({ ...keyed, verdict: 'accepted', reason: null, inboxId: parsed.command.inboxId }, facts))) return { status: 200, body: { ok: true, duplicate: true } };
    const origin: CommandOrigin = { accountId: said.accountId, conversationId: said.conversationId, webhookBase };
    void this.run(parsed.command, origin, { sender: said.sender, accountId: said.accountId, conversationId: said.conversationId }, facts);
    return { status: 200, body: { ok: true, accepted: parsed.command.kind } };
  }

  /** Runs an accepted command; what it did (or why it failed) is its own audit row, naming the number it acted on. */
  private async run(command: Command, origin: CommandOrigin, who: Record<string, unknown>, facts: RequestFacts): Promise<void> {
    const action = `chatwoot.command.${command.kind}`;
    const params = { ...who, inboxId: command.inboxId };
    try {
      const outcome = await this.deps.runner.run(command, origin);
      this.deps.logger.info({ command: command.kind, inboxId: command.inboxId, outcome: outcome.summary }, 'chatwoot command ran');
      await this.record(facts, { action, result: 'ok', phoneNumber: outcome.phoneNumber, target: outcome.phoneNumber ? { type: 'number', id: outcome.phoneNumber } : null, params: { ...params, outcome: outcome.summary } });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.deps.logger.warn({ command: command.kind, inboxId: command.inboxId, err: message }, 'chatwoot command failed');
      await this.record(facts, { action, result: 'error', params: { ...params, error: message } });
      await this.answerDirectly(origin, `⚠️ The command failed: ${message}`);
    }
  }

  private async record(facts: RequestFacts, entry: Parameters<typeof appendBridge>[2]): Promise<void> {
    try {
      await appendBridge(this.deps.audit, facts, entry);
    } catch (err) {
      this.deps.logger.error({ err, action: entry.action }, 'audit row could not be written');
    }
  }

  /** A command that left no binding to answer through: one direct note with the default credentials, best effort. */
  private async answerDirectly(origin: CommandOrigin, content: string): Promise<void> {
    const { baseUrl, token } = this.deps.defaults;
    if (!baseUrl || !token) return;
    try {
      const client = this.deps.bindings.clientFor({ baseUrl, accountId: origin.accountId, token, outwardOnly: false });
      await client.createMessage(origin.conversationId, { content, messageType: 'outgoing', private: true, sourceId: `${SOURCE_PREFIX}note:${crypto.randomUUID()}`, contentAttributes: { external_echo: true } });
    } catch (err) {
      this.deps.logger.info({ err: (err as Error).message }, 'chatwoot: could not answer a failed command');
    }
  }

  /**
   * The one call site per verified decision: the command log (which also keeps the delivery from running twice) and
   * the audit log, in one commit; false = seen before (nothing written).
   */
  private audit(entry: CommandAuditEntry, facts: RequestFacts): Promise<boolean> {
    return this.logCommand(
      entry,
      bridgeLink(this.deps.audit, facts, {
        action: 'chatwoot.command',
        result: entry.verdict === 'accepted' ? 'ok' : 'denied',
        params: { command: entry.command, sender: entry.sender, accountId: entry.accountId, inboxId: entry.inboxId, conversationId: entry.conversationId, ...(entry.reason ? { reason: entry.reason } : {}) },
      }),
    );
  }

  private async logCommand(entry: CommandAuditEntry, audit?: AuditLink): Promise<boolean> {
    const fresh = await this.deps.repo.logCommand(entry, audit);
    if (fresh) this.deps.logger[entry.verdict === 'accepted' ? 'info' : 'warn']({ ...entry }, `chatwoot command ${entry.verdict}`);
    return fresh;
  }
}

interface Facts {
  readonly command: string;
  readonly sender: string | null;
  readonly accountId: number | null;
  readonly sourceInboxId: number | null;
  readonly conversationId: number | null;
}

/** Who sent it (the contact's phone, as +digits), where (account, inbox, conversation), and what (cut short). */
function factsOf(body: Record<string, unknown>, content: string): Facts {
  const sender = isObject(body['sender']) ? body['sender'] : {};
  const conversation = isObject(body['conversation']) ? body['conversation'] : {};
  const meta = isObject(conversation['meta']) ? conversation['meta'] : {};
  const metaSender = isObject(meta['sender']) ? meta['sender'] : {};
  const phone = str(sender['phone_number']) ?? str(metaSender['phone_number']);
  const digits = phone?.replace(/[^0-9]/g, '') ?? '';
  return {
    command: content.slice(0, 200),
    sender: digits ? `+${digits}` : null,
    accountId: isObject(body['account']) ? num(body['account']['id']) : null,
    sourceInboxId: isObject(body['inbox']) ? num(body['inbox']['id']) : num(conversation['inbox_id']),
    conversationId: num(conversation['id']),
  };
}
