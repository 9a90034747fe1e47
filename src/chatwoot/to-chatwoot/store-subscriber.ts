import type { MessageView } from '../../conversations/views.js';
import type { ChatwootBindingRepository } from '../../db/repositories/chatwoot-bindings.js';
import type { ChatwootStateRepository } from '../../db/repositories/chatwoot-state.js';
import { keyOfTime } from '../../db/repositories/stored-messages.js';
import type { HistoryImport, StoredRef } from '../../db/ports/chatwoot-bindings.js';
import type { LaneRef } from '../../db/ports/chatwoot-jobs.js';
import type { RecordedEvent } from '../../events/feed-message.js';
import type { DurableSubscriber } from '../../events/journal.js';
import type { BindingOptions } from '../../domain/chatwoot.js';
import type { Clock } from '../../lib/clock.js';
import type { Bindings } from '../bindings/bindings.js';
import type { JobQueue, StepRequest } from '../queue/job-queue.js';
import { ignores } from './chat-filter.js';

const MESSAGE_CHANGES = new Set(['message.new', 'message.updated', 'message.status']);
const DAY_MS = 86_400_000;

/** The lane of a chat's steps: one conversation's steps run in order. */
export const chatLane = (chatKey: string): string => `chat:${chatKey}`;

/**
 * The bridge's place in the event pipeline: inside the transaction that journals each event of a bound number,
 * after the conversation store wrote what it means, every message it added or changed becomes a `message` step
 * (so "stored" and "queued for Chatwoot" commit together, or neither does); a `@lid` chat merged into its phone
 * chat becomes a `merge` step; the first finished backfill of a number bound before it paired brings the history
 * import. The queue is woken after the commit. The journal's transaction is synchronous SQLite, so this writes
 * through the SQLite classes' `sync` calls until the journal moves (docs/cluster.md).
 */
export class StoreSubscriber implements DurableSubscriber {
  constructor(
    private readonly bindings: Bindings,
    private readonly repo: ChatwootBindingRepository,
    private readonly state: ChatwootStateRepository,
    private readonly queue: JobQueue,
    private readonly clock: Clock,
  ) {}

  onRecord(event: RecordedEvent): (() => void) | void {
    const binding = this.bindings.get(event.phoneNumber);
    if (!binding) return;
    const lanes: LaneRef[] = [];
    // Merges first: a message that revealed a `@lid`'s phone must go to the conversation the `@lid` already had.
    for (const change of event.derived) {
      if (change.name !== 'conversation.removed' || typeof change.data['mergedInto'] !== 'string' || typeof change.data['chatId'] !== 'string') continue;
      const into = change.data['mergedInto'];
      lanes.push(this.queue.enqueueInTransaction({ phoneNumber: event.phoneNumber, lane: chatLane(into), kind: 'merge', ref: change.data['chatId'], payload: { into } }));
    }
    for (const change of event.derived) {
      if (!MESSAGE_CHANGES.has(change.name)) continue;
      const message = change.data['message'] as MessageView | undefined;
      if (!message || ignores(binding.options, message.chatId)) continue;
      lanes.push(this.queue.enqueueInTransaction({ phoneNumber: event.phoneNumber, lane: chatLane(message.chatId), kind: 'message', ref: message.id, payload: {} }));
    }
    const { message } = event;
    if (message.type === 'sync' && message.state === 'done' && binding.row.importPending) {
      lanes.push(...this.importHistory(event.phoneNumber, binding.options));
      this.repo.sync.update(event.phoneNumber, { importPending: false });
      this.bindings.changed(event.phoneNumber);
    }
    if (lanes.length === 0) return;
    return () => this.queue.wake(lanes);
  }

  /**
   * The history import of a number bound anew, for the bind's own transaction: the store's messages of the last
   * `importDays` days, oldest first, as `message` steps. Null when the binding imports nothing.
   */
  historyImport(phoneNumber: string, options: BindingOptions): HistoryImport | null {
    if (options.importDays <= 0) return null;
    return {
      fromKey: this.importFrom(options),
      steps: (stored) => historySteps(phoneNumber, options, stored).map((step) => this.queue.step(step)),
    };
  }

  /** The same inside the journal's synchronous transaction (the first backfill of a number bound before it paired). */
  private importHistory(phoneNumber: string, options: BindingOptions): LaneRef[] {
    if (options.importDays <= 0) return [];
    const lanes = new Map<string, LaneRef>();
    for (const step of historySteps(phoneNumber, options, this.state.sync.storedSince(phoneNumber, this.importFrom(options)))) lanes.set(step.lane, this.queue.enqueueInTransaction(step));
    return [...lanes.values()];
  }

  private importFrom(options: BindingOptions): number {
    return keyOfTime(this.clock.now() - options.importDays * DAY_MS);
  }
}

/** The history import's steps for the stored messages given, oldest first; chats the binding ignores are left out. */
function historySteps(phoneNumber: string, options: BindingOptions, stored: readonly StoredRef[]): StepRequest[] {
  return stored.filter(({ chatKey }) => !ignores(options, chatKey)).map(({ id, chatKey }) => ({ phoneNumber, lane: chatLane(chatKey), kind: 'message', ref: id, payload: { history: true } }));
}
