import type { AuditFilter, AuditRepository, AuditVisibility, NewAuditRow } from '../db/repositories/audit.js';
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
 * The audit log: append-only rows in a hash chain. A row is written synchronously on the caller's connection, so
 * inside a transaction it commits or rolls back with the change it records. Pruning removes only the oldest rows
 * and records what it removed (the last pruned row's id and hash), so the chain still verifies from there.
 */
export class AuditLog {
  private readonly emitter = new TypedEmitter<AuditEvents>();
  readonly events: Listenable<AuditEvents> = this.emitter.view;
  private pending: AuditEntry[] = [];
  private flushing: NodeJS.Immediate | null = null;

  constructor(
    private readonly repo: AuditRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * No transaction of its own: the gateway is the database's only writer and this runs synchronously, so nothing can
   * come between reading the last hash and the insert; inside a caller's transaction the row is part of it.
   */
  record(entry: AuditEntry): number {
    const prevHash = this.repo.lastHash() ?? GENESIS;
    const row: Omit<NewAuditRow, 'prevHash' | 'hash'> = {
      at: this.clock.now(),
      actorType: entry.actor.type,
      actorId: entry.actor.id,
      actorName: entry.actor.name,
      keyId: entry.actor.keyId,
      ip: entry.ip ?? null,
      userAgent: entry.userAgent?.slice(0, 200) ?? null,
      requestId: entry.requestId ?? null,
      action: entry.action,
      targetType: entry.target?.type ?? null,
      targetId: entry.target?.id ?? null,
      phoneNumber: entry.phoneNumber ?? null,
      params: redactParams(entry.params),
      result: entry.result,
      httpStatus: entry.httpStatus ?? null,
      errorCode: entry.errorCode ?? null,
    };
    const id = this.repo.insert({ ...row, prevHash, hash: rowHash(prevHash, row) });
    // Refusals at info (an operator watching the log sees probing), the rest at debug; params are already redacted.
    const level = row.result === 'denied' ? 'info' : 'debug';
    if (this.logger.isLevelEnabled(level)) {
      this.logger[level]({ auditId: id, action: row.action, result: row.result, actor: row.actorName, keyId: row.keyId, ip: row.ip, phoneNumber: row.phoneNumber, params: row.params }, row.result === 'denied' ? 'access refused' : 'audited');
    }
    this.emitter.emit('recorded', { action: entry.action, result: entry.result, phoneNumber: entry.phoneNumber ?? null });
    return id;
  }

  /**
   * A row about something already done (a refusal, an answer already sent): written with the others of the same
   * event-loop turn in one transaction, so a burst of requests costs one commit, not one each.
   */
  later(entry: AuditEntry): void {
    this.pending.push(entry.at === undefined ? { ...entry, at: this.clock.now() } : entry);
    this.flushing ??= setImmediate(() => this.flush());
  }

  /** Write what `later` holds (at the end of the turn, and at shutdown). */
  flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      this.repo.transaction(() => {
        for (const entry of batch) this.record(entry);
      });
    } catch (err) {
      this.logger.error({ err, rows: batch.length }, 'audit rows could not be written');
    }
  }

  /** Run a synchronous change in one transaction with whatever it records (the audit row commits with it). */
  transaction<T>(work: () => T): T {
    return this.repo.transaction(work);
  }

  page(filter: AuditFilter, visibility: AuditVisibility, before: number | null, limit: number): AuditRow[] {
    return this.repo.page(filter, visibility, before, limit);
  }

  ascending(filter: AuditFilter, visibility: AuditVisibility, after: number, limit: number): AuditRow[] {
    return this.repo.ascending(filter, visibility, after, limit);
  }

  /** Forget rows older than `before` (the newest row always stays); the pruning is itself a row. Returns rows removed. */
  prune(before: number): number {
    return this.repo.transaction(() => {
      const oldest = this.repo.lastBefore(before);
      const newest = this.repo.last();
      if (!oldest || !newest) return 0;
      const through = oldest.id < newest.id ? oldest : this.repo.below(newest.id);
      if (!through) return 0;
      const deleted = this.repo.deleteThrough(through.id);
      this.record({ actor: SYSTEM_ACTOR, action: 'audit.prune', result: 'ok', params: { before: new Date(before).toISOString(), deleted, throughId: through.id, throughHash: through.hash } });
      return deleted;
    });
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
      const rows = this.repo.ascending({}, { all: true }, after, PAGE);
      for (const row of rows) {
        if (prev === null) {
          firstId = row.id;
          const start = this.startOfChain(row);
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
      // Let requests through between pages: a long chain must not stall the gateway.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const sequence = this.repo.sequence();
    if (sequence !== null && sequence > (prev?.id ?? 0)) return fail((prev?.id ?? 0) + 1, `rows ${(prev?.id ?? 0) + 1}–${sequence} were deleted from the end`);
    return { ok: true, checked, firstId, lastId: prev?.id ?? null, headHash: prev?.hash ?? null };
  }

  /** The prev_hash the first stored row must have, or null when rows were removed without a pruning record. */
  private startOfChain(first: AuditRow): string | null {
    if (first.id === 1) return GENESIS;
    const prune = this.repo.lastPrune();
    const params = prune?.params as { throughId?: unknown; throughHash?: unknown } | null | undefined;
    if (params && params.throughId === first.id - 1 && typeof params.throughHash === 'string') return params.throughHash;
    return null;
  }
}
