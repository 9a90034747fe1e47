import path from 'node:path';
import type { DatabaseHandle } from '../db/client.js';
import { AliasRepository } from '../db/repositories/aliases.js';
import { AnnotationRepository } from '../db/repositories/annotations.js';
import { ConversationRepository } from '../db/repositories/conversations.js';
import { MessageSearchRepository } from '../db/repositories/message-search.js';
import { keyOfTime, StoredMessageRepository } from '../db/repositories/stored-messages.js';
import { SyncRepository } from '../db/repositories/syncs.js';
import type { DurableSubscriber, EventJournal } from '../events/journal.js';
import type { GowaClient } from '../gowa/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { SupervisorEvents } from '../supervisor/types.js';
import { HistorySync, type HistorySyncSettings } from './history-sync.js';
import { ConversationIngest } from './ingest.js';
import { MediaCache, type MediaCacheSettings } from './media-cache.js';
import { MediaService } from './media-service.js';
import { ReadState } from './read-state.js';
import { ConversationService, type Visibility } from './service.js';
import { ConversationStore } from './store.js';

const DAY_MS = 86_400_000;
/** How often queued messages are indexed for search (a search indexes what is queued first, so it never misses any). */
const SEARCH_INDEX_EVERY_MS = 500;

export interface ConversationSettings {
  readonly historySync: HistorySyncSettings;
  readonly mediaCache: MediaCacheSettings;
  /** MESSAGE_RETENTION_DAYS: messages older than this are forgotten; 0 = kept. */
  readonly retentionDays: number;
  /** DATA_DIR: the media cache lives in `media-cache/` there. */
  readonly dataDir: string;
}

export interface ConversationDeps {
  readonly database: DatabaseHandle;
  readonly journal: Pick<EventJournal, 'record' | 'lastSeq'>;
  readonly supervisor: Listenable<SupervisorEvents>;
  readonly visibility: Visibility;
  /** The number's child while its process runs (and, for `loggedIn`, is logged in), else null. */
  readonly child: (phoneNumber: string, loggedIn: boolean) => GowaClient | null;
  readonly stateOf: (phoneNumber: string) => string;
  readonly portOf: (phoneNumber: string) => number | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: ConversationSettings;
}

/**
 * The conversation store: chats and messages of every number, written in the journal's transactions (`subscriber`),
 * read within what each caller may see (`service`), filled from history (`sync`), files through `media`.
 */
export class Conversations {
  readonly subscriber: DurableSubscriber;
  readonly service: ConversationService;
  readonly readState: ReadState;
  readonly sync: HistorySync;
  readonly media: MediaService;
  private readonly cache: MediaCache;
  private readonly repos;
  private indexer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: ConversationDeps) {
    const { database, clock, logger, settings } = deps;
    const db = database.db;
    this.repos = {
      messages: new StoredMessageRepository(db),
      conversations: new ConversationRepository(db),
      annotations: new AnnotationRepository(db),
      aliases: new AliasRepository(db),
      syncs: new SyncRepository(db),
      search: new MessageSearchRepository(db),
    };
    const store = new ConversationStore(this.repos, () => clock.now());
    this.subscriber = new ConversationIngest({ store, messages: this.repos.messages, annotations: this.repos.annotations });
    this.service = new ConversationService({
      messages: this.repos.messages.reads,
      search: this.repos.search,
      conversations: this.repos.conversations.reads,
      annotations: this.repos.annotations.reads,
      visibility: deps.visibility,
      lastSeq: (phone) => deps.journal.lastSeq(phone),
      indexPending: () => this.indexSearch(),
    });
    const log = logger.child({ component: 'conversations' });
    this.readState = new ReadState({ service: this.service, messages: this.repos.messages.reads, journal: deps.journal, child: (p) => deps.child(p, true), portOf: deps.portOf, logger: log });
    this.sync = new HistorySync({
      repo: this.repos.syncs,
      reads: this.repos.syncs.reads,
      store,
      transaction: (work) => database.sqlite.transaction(work)(),
      child: (p) => deps.child(p, true),
      supervisor: deps.supervisor,
      journal: deps.journal,
      portOf: deps.portOf,
      clock,
      logger: log,
      settings: settings.historySync,
    });
    this.cache = new MediaCache(path.join(settings.dataDir, 'media-cache'), settings.mediaCache, clock, log);
    this.media = new MediaService({ service: this.service, cache: this.cache, child: (p) => deps.child(p, false), stateOf: deps.stateOf });
  }

  start(): void {
    this.cache.load();
    void this.indexSearch();
    this.indexer = setInterval(() => void this.indexSearch(), SEARCH_INDEX_EVERY_MS);
    this.indexer.unref();
    this.sync.start();
  }

  /** New and changed messages into the search index, as one batch (see drizzle/0004_conversation_search.sql). */
  async indexSearch(): Promise<number> {
    try {
      return await this.repos.search.indexPending();
    } catch (err) {
      this.deps.logger.error({ err }, 'could not index messages for search');
      return 0;
    }
  }

  /** Outbox messages whose store row lags (see StoredMessageRepository.outboxBehind). */
  outboxBehind(since: number): string[] {
    return this.repos.messages.outboxBehind(since);
  }

  /** The number was unregistered: its chats, messages, history state and cached files go. */
  forget(phoneNumber: string): void {
    const { messages, conversations, annotations, aliases } = this.repos;
    this.deps.database.sqlite.transaction(() => {
      messages.deleteForNumber(phoneNumber);
      conversations.deleteForNumber(phoneNumber);
      annotations.deleteForNumber(phoneNumber);
      aliases.deleteForNumber(phoneNumber);
    })();
    this.sync.forget(phoneNumber);
    this.cache.forget(phoneNumber);
  }

  /** MESSAGE_RETENTION_DAYS (messages, then chats with nothing left), the media cache's age bound, unmatched receipts after a day. */
  prune(): number {
    const swept = this.cache.sweep() + this.repos.annotations.deleteReceiptsBefore(this.deps.clock.now() - DAY_MS);
    const days = this.deps.settings.retentionDays;
    if (days <= 0) return swept;
    const before = this.deps.clock.now() - days * DAY_MS;
    const { messages, conversations, annotations } = this.repos;
    return (
      swept +
      this.deps.database.sqlite.transaction(() => messages.deleteBefore(keyOfTime(before)) + conversations.deleteInactiveBefore(keyOfTime(before)) + annotations.deleteBefore(before))()
    );
  }

  close(): void {
    if (this.indexer) clearInterval(this.indexer);
    this.indexer = null;
    // On SQLite the batch is written before this call returns (nothing is awaited before it), so before the database closes.
    void this.indexSearch();
    this.sync.close();
  }
}
