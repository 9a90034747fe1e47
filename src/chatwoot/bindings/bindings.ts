import type { ChatwootBindingRepository } from '../../db/repositories/chatwoot-bindings.js';
import type { ChatwootBindingRow } from '../../db/schema.js';
import type { BindingOptions } from '../../domain/chatwoot.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { ChatwootClient } from '../client/client.js';
import type { ChatwootTransport } from '../client/transport.js';

/** A binding as the bridge works with it: its row, its options, a client with the decrypted token, its signing secret. */
export interface ActiveBinding {
  readonly row: ChatwootBindingRow;
  readonly phoneNumber: string;
  readonly options: BindingOptions;
  readonly client: ChatwootClient;
  /** Null: the inbox's webhooks are unsigned (Chatwoot older than 4.13, `unsignedWebhooks`). */
  readonly webhookSecret: string | null;
}

/**
 * The bindings in force, read from SQLite and kept decrypted in memory (a token is decrypted once per change,
 * not per message). Every change goes through `changed`, so the cache never outlives the row. Asked synchronously
 * inside the journal's transaction (`isBound`, `get`), so it reads through the SQLite class's `sync` calls; with
 * several gateways it needs the change feed (docs/cluster.md).
 */
export class Bindings {
  private readonly cache = new Map<string, ActiveBinding>();
  /** Numbers with a binding: asked on every event of every number, so unbound numbers cost no query. */
  private bound: Set<string> | null = null;
  /** Webhook path id → number, for every webhook Chatwoot posts. */
  private hooks: Map<string, string> | null = null;

  constructor(
    private readonly repo: ChatwootBindingRepository,
    private readonly box: SecretBox,
    private readonly transport: ChatwootTransport,
    private readonly timeoutMs: number,
  ) {}

  isBound(phoneNumber: string): boolean {
    this.load();
    return this.bound?.has(phoneNumber) ?? false;
  }

  get(phoneNumber: string): ActiveBinding | undefined {
    if (!this.isBound(phoneNumber)) return undefined;
    const cached = this.cache.get(phoneNumber);
    if (cached) return cached;
    const row = this.repo.sync.get(phoneNumber);
    return row ? this.remember(row) : undefined;
  }

  byHook(hookId: string): ActiveBinding | undefined {
    this.load();
    const phone = this.hooks?.get(hookId);
    return phone ? this.get(phone) : undefined;
  }

  list(): ChatwootBindingRow[] {
    return this.repo.sync.list();
  }

  /** A row changed, moved or went: drop what is cached for these keys. */
  changed(...phoneNumbers: string[]): void {
    for (const phone of phoneNumbers) this.cache.delete(phone);
    // Few changes, many reads: the indexes are simply read again.
    this.bound = null;
    this.hooks = null;
  }

  private load(): void {
    if (this.bound && this.hooks) return;
    const rows = this.repo.sync.list();
    this.bound = new Set(rows.map((row) => row.phoneNumber));
    this.hooks = new Map(rows.map((row) => [row.hookId, row.phoneNumber]));
  }

  /** A client for Chatwoot with explicit credentials (binding checks, before anything is stored). */
  clientFor(target: { baseUrl: string; accountId: number; token: string; outwardOnly: boolean }): ChatwootClient {
    return new ChatwootClient({ ...target, timeoutMs: this.timeoutMs }, this.transport);
  }

  seal(secret: string): string {
    return this.box.seal(secret);
  }

  private remember(row: ChatwootBindingRow): ActiveBinding {
    const client = this.clientFor({ baseUrl: row.baseUrl, accountId: row.accountId, token: this.box.open(row.apiToken), outwardOnly: row.outwardOnly });
    const active: ActiveBinding = {
      row,
      phoneNumber: row.phoneNumber,
      options: row.options,
      client,
      webhookSecret: row.webhookSecret ? this.box.open(row.webhookSecret) : null,
    };
    this.cache.set(row.phoneNumber, active);
    return active;
  }
}
