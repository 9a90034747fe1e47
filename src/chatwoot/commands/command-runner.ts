import type { ChatwootBindingStore } from '../../db/ports/chatwoot-bindings.js';
import { isPendingId } from '../../domain/number-key.js';
import type { Logger } from '../../lib/logger.js';
import type { Supervisor } from '../../supervisor/supervisor.js';
import type { BindingDefaults, BindingService } from '../bindings/binding-service.js';
import type { Notes } from './notes.js';
import type { Command } from './parse-command.js';
import type { QrRelay } from './qr-relay.js';

/** What a command did, for its audit row: the number it acted on (null: none) and a line saying what. */
export interface CommandOutcome {
  readonly phoneNumber: string | null;
  readonly summary: string;
}

/** Where a command came from: its answers go to that conversation. */
export interface CommandOrigin {
  readonly accountId: number;
  readonly conversationId: number;
  /** The gateway's address as Chatwoot reached it (the webhook URL base when PUBLIC_URL is unset). */
  readonly webhookBase: string;
}

export interface CommandRunnerDeps {
  readonly supervisor: Supervisor;
  readonly service: BindingService;
  readonly repo: Pick<ChatwootBindingStore, 'byInbox'>;
  readonly notes: Notes;
  readonly qr: QrRelay;
  readonly defaults: BindingDefaults;
  readonly logger: Logger;
}

/**
 * What an accepted command does. `connect` is idempotent on (Chatwoot, account, inbox): the first one creates a
 * number whose phone is not known yet, binds it to the inbox (pointing the inbox's webhook at the gateway) and
 * posts its QR code; a repeat posts fresh codes for the same number, or says it is connected already.
 */
export class CommandRunner {
  constructor(private readonly deps: CommandRunnerDeps) {}

  /** Runs the command; returns what it did and on which number (its answers are notes in the conversation). */
  async run(command: Command, origin: CommandOrigin): Promise<CommandOutcome> {
    const baseUrl = (this.deps.defaults.baseUrl ?? '').replace(/\/+$/, '');
    const accountId = command.kind === 'connect' ? command.accountId : origin.accountId;
    const bound = await this.deps.repo.byInbox(baseUrl, accountId, command.inboxId);
    if (command.kind === 'connect') return this.connect(bound?.phoneNumber ?? null, command.inboxId, accountId, origin);
    if (!bound) return { phoneNumber: null, summary: `inbox ${command.inboxId} is not bound to a number` };
    const key = bound.phoneNumber;
    return { phoneNumber: key, summary: await this.act(command, key, origin) };
  }

  private async act(command: Exclude<Command, { kind: 'connect' }>, key: string, origin: CommandOrigin): Promise<string> {
    const note = (text: string) => this.deps.notes.post(key, origin.conversationId, text);
    const runner = this.deps.supervisor.runner(key);
    switch (command.kind) {
      case 'status': {
        const row = this.deps.supervisor.row(key);
        note(`ℹ️ Inbox ${command.inboxId}: ${isPendingId(key) ? 'waiting for a phone to scan its QR code' : `WhatsApp +${key}`}; process ${row.state}, WhatsApp ${row.sessionState}${row.lastError ? `; last error: ${row.lastError}` : ''}.`);
        return 'status posted';
      }
      case 'restart':
        await this.deps.supervisor.restart(key);
        note(`🔄 The number of inbox ${command.inboxId} was restarted (${runner?.state ?? 'stopped'}).`);
        return 'restarted';
      case 'disconnect':
        await this.deps.supervisor.logout(key);
        note(`🔌 The number of inbox ${command.inboxId} was logged out of WhatsApp; send "connect" again to pair a phone.`);
        return 'logged out';
    }
  }

  private async connect(existing: string | null, inboxId: number, accountId: number, origin: CommandOrigin): Promise<CommandOutcome> {
    if (existing) {
      const runner = this.deps.supervisor.runner(existing);
      if (runner?.session === 'logged_in') {
        this.deps.notes.post(existing, origin.conversationId, `✅ Inbox ${inboxId} is already connected to WhatsApp${isPendingId(existing) ? '' : ` +${existing}`}.`);
        return { phoneNumber: existing, summary: 'already connected' };
      }
      if (runner?.state !== 'running') await this.deps.supervisor.start(existing);
      this.deps.qr.start(existing, origin.conversationId, inboxId);
      return { phoneNumber: existing, summary: 'QR codes again' };
    }
    const row = await this.deps.supervisor.registerPending({ name: `Chatwoot inbox ${inboxId}`, ownerId: null, webhookUrl: null, webhookSecret: null, webhookEvents: null }, true);
    const key = row.phoneNumber;
    try {
      await this.deps.service.bind(key, { inboxId, accountId }, { userId: null, admin: true }, origin.webhookBase);
    } catch (err) {
      // Nothing half-made: the number goes again when its inbox cannot be bound.
      await this.deps.supervisor.remove(key, true);
      throw err;
    }
    this.deps.qr.start(key, origin.conversationId, inboxId);
    return { phoneNumber: key, summary: `created and bound to inbox ${inboxId}` };
  }
}
