import type { AuditFilter, AuditLink, AuditStore, AuditVisibility, InlineAudit, NewAuditRow } from '../db/ports/audit.js';
import type { AuditActorType, AuditResult, AuditRow } from '../db/schema-access.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import { GENESIS, rowHash } from './chain.js';
import { redactParams } from './redact.js';

export interface AuditActor {
  readonly type: AuditActorType;
  readonly id: number | null;
  readonly name: string | null;
  readonly keyId: string | null;
}

export const SYSTEM_ACTOR: AuditActor = Object.freeze({ type: 'system', id: null, name: 'gateway', keyId: null });

/** One audited fact. `params` are redacted here, whatever the caller passes. */
export interface AuditEntry {
  /** When it happened (ms); default: when it is written. */
  readonly at?: number;
  readonly actor: AuditActor;
  readonly action: string;
  readonly result: AuditResult;
  readonly target?: { readonly type: string; readonly id: string } | null;
  readonly phoneNumber?: string | null;
  readonly params?: Record<string, unknown> | null;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
  readonly requestId?: string | null;
  readonly httpStatus?: number | null;
  readonly errorCode?: string | null;
}

export interface AuditEvents {
  [event: string]: unknown;
  recorded: { action: string; result: AuditResult; phoneNumber: string | null };
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checked: number;
  readonly firstId: number | null;
  readonly lastId: number | null;
  /** Hash of the newest row: note it somewhere else to detect a rewrite of the whole chain later. */
  readonly headHash: string | null;
  readonly problem?: { readonly id: number; readonly reason: string };
}

const PAGE = 2000;

/**
 * The audit log: append-only rows in a hash chain, on either dialect (ports/audit.ts). A change and its row commit
 * together: the service passes the row's `link(…)` to its store, which appends it in the change's transaction (on
 * Postgres under the chain's lock, so gateways writing at once never fork the chain). Pruning removes only the
 * oldest rows and records what it removed (the last pruned row's id and hash), so the chain still verifies from there.
 */
export class AuditLog {
  private readonly emitter = new TypedEmitter<AuditEvents>();
  readonly events: Listenable<AuditEvents> = this.emitter.view;
  private pending: AuditEntry[] = [];
  private flushing: NodeJS.Immediate | null = null;
  private flushed: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: AuditStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly inline: InlineAudit | null = null,
  ) {}

  /**
   * The row of `entry` as a link for a store to append in the transaction of the change it records. `written` runs
   * after the commit (the request then needs no second row). Built when appended: its time is the change's.
   */
  link(entry: AuditEntry, written: (id: number) => void = () => undefined): AuditLink {
    return {
      row: (head) => {
        const prevHash = head ?? GENESIS;
        const row = this.draft(entry);
        return { ...row, prevHash, hash: rowHash(prevHash, row) };
      },
      committed: (id) => {
        this.announce(id, entry);
        written(id);
      },
    };
  }

  /** A row in a transaction of its own; resolves with its id once stored. */
  async append(entry: AuditEntry): Promise<number> {
    const [id] = await this.store.append([this.link(entry)]);
    return id as number;
  }

  /**
   * Synchronously, in the caller's SQLite transaction if one is open (see InlineAudit): the areas not moved to a
   * port yet. Not available on Postgres, where no synchronous transaction exists to be part of.
   */
  record(entry: AuditEntry): number {
    const link = this.link(entry);
    const [id] = this.requireInline().appendNow([link]);
    link.committed(id as number);
    return id as number;
  }

  /** Run a synchronous SQLite change in one transaction with what it records (see InlineAudit). */
  transaction<T>(work: () => T): T {
    return this.requireInline().transaction(work);
  }

  /**
   * A row about something already done (a refusal, an answer already sent): written with the others of the same
   * event-loop turn in one transaction, so a burst of requests costs one commit, not one each.
   */
  later(entry: AuditEntry): void {
    this.pending.push(entry.at === undefined ? { ...entry, at: this.clock.now() } : entry);
    this.flushing ??= setImmediate(() => void this.flush());
  }

  /** Write what `later` holds (at the end of the turn, and at shutdown); never rejects (a failure is logged). */
  flush(): Promise<void> {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.flushed;
    // One batch after the other, so rows keep the order they were handed in.
    this.flushed = this.flushed.then(() =>
      this.store.append(batch.map((entry) => this.link(entry))).then(
        () => undefined,
        (err: unknown) => this.logger.error({ err, rows: batch.length }, 'audit rows could not be written'),
      ),
    );
    return this.flushed;
  }

  page(filter: AuditFilter, visibility: AuditVisibility, before: number | null, limit: number): Promise<AuditRow[]> {
    return this.store.page(filter, visibility, before, limit);
  }

  ascending(filter: AuditFilter, visibility: AuditVisibility, after: number, limit: number): Promise<AuditRow[]> {
    return this.store.ascending(filter, visibility, after, limit);
  }

  /** Forget rows older than `before` (the newest row always stays); the pruning is itself a row. Returns rows removed. */
  prune(before: number): Promise<number> {
    return this.store.prune(before, ({ throughId, throughHash, deleted }) =>
      this.link({ actor: SYSTEM_ACTOR, action: 'audit.prune', result: 'ok', params: { before: new Date(before).toISOString(), deleted, throughId, throughHash } }),
    );
  }

  /**
   * Walk the chain oldest first: each row's hash must match its content and its `prev_hash` the row before; the first
   * row must be the very first or follow the last pruned one; and no row may be missing at the end.
   */
  async verify(): Promise<VerifyReport> {
    let checked = 0;
    let firstId: number | null = null;
    let prev: { id: number; hash: string } | null = null;
    const fail = (id: number, reason: string): VerifyReport => ({ ok: false, checked, firstId, lastId: prev?.id ?? null, headHash: prev?.hash ?? null, problem: { id, reason } });
    for (let after = 0; ; ) {
      const rows = await this.store.ascending({}, { all: true }, after, PAGE);
      for (const row of rows) {
        if (prev === null) {
          firstId = row.id;
          const start = await this.startOfChain(row);
          if (start === null) return fail(row.id, 'rows are missing before this one (deleted without pruning)');
          if (row.prevHash !== start) return fail(row.id, 'the chain does not start where the last pruning left it');
        } else {
          if (row.id !== prev.id + 1) return fail(prev.id + 1, 'row deleted');
          if (row.prevHash !== prev.hash) return fail(row.id, 'link broken: the row before was changed or replaced');
        }
        const { id: _id, hash, prevHash, ...content } = row;
        if (rowHash(prevHash, content) !== hash) return fail(row.id, 'row changed after it was written');
        prev = { id: row.id, hash };
        checked++;
      }
      if (rows.length < PAGE) break;
      after = rows.at(-1)?.id ?? after;
      // Let requests through between pages: a long chain must not stall the gateway (SQLite reads are synchronous).
      await new Promise((resolve) => setImmediate(resolve));
    }
    const sequence = await this.store.sequence();
    if (sequence !== null && sequence > (prev?.id ?? 0)) return fail((prev?.id ?? 0) + 1, `rows ${(prev?.id ?? 0) + 1}–${sequence} were deleted from the end`);
    return { ok: true, checked, firstId, lastId: prev?.id ?? null, headHash: prev?.hash ?? null };
  }

  /** The prev_hash the first stored row must have, or null when rows were removed without a pruning record. */
  private async startOfChain(first: AuditRow): Promise<string | null> {
    if (first.id === 1) return GENESIS;
    const prune = await this.store.lastPrune();
    const params = prune?.params as { throughId?: unknown; throughHash?: unknown } | null | undefined;
    if (params && params.throughId === first.id - 1 && typeof params.throughHash === 'string') return params.throughHash;
    return null;
  }

  private draft(entry: AuditEntry): Omit<NewAuditRow, 'prevHash' | 'hash'> {
    return {
      at: entry.at ?? this.clock.now(),
      actorType: entry.actor.type,
      actorId: entry.actor.id,
      actorName: text(entry.actor.name),
      keyId: text(entry.actor.keyId),
      ip: text(entry.ip ?? null),
      userAgent: text(entry.userAgent?.slice(0, 200) ?? null),
      requestId: text(entry.requestId ?? null),
      action: entry.action,
      targetType: text(entry.target?.type ?? null),
      targetId: text(entry.target?.id ?? null),
      phoneNumber: text(entry.phoneNumber ?? null),
      params: redactParams(entry.params),
      result: entry.result,
      httpStatus: entry.httpStatus ?? null,
      errorCode: text(entry.errorCode ?? null),
    };
  }

  private announce(id: number, entry: AuditEntry): void {
    // Refusals at info (an operator watching the log sees probing), the rest at debug; params are redacted.
    const level = entry.result === 'denied' ? 'info' : 'debug';
    if (this.logger.isLevelEnabled(level)) {
      const { actor, action, result, ip, phoneNumber } = entry;
      this.logger[level]({ auditId: id, action, result, actor: actor.name, keyId: actor.keyId, ip, phoneNumber, params: redactParams(entry.params) }, result === 'denied' ? 'access refused' : 'audited');
    }
    this.emitter.emit('recorded', { action: entry.action, result: entry.result, phoneNumber: entry.phoneNumber ?? null });
  }

  private requireInline(): InlineAudit {
    if (!this.inline) throw new Error('synchronous audit rows need the SQLite store: on Postgres pass an AuditLink to the store of the change');
    return this.inline;
  }
}

/**
 * Text fields never hold U+0000, on either dialect: Postgres text cannot, and a row must hash the same wherever it
 * is stored (inside `params`, JSON, it is escaped and kept).
 */
function text(value: string | null): string | null {
  return value?.replaceAll('\u0000', '') ?? null;
}
