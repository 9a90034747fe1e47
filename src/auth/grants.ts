import type { AuditLink } from '../db/ports/audit.js';
import type { GrantStore } from '../db/ports/grants.js';
import type { GrantRow } from '../db/schema-access.js';
import type { GrantLevel } from '../domain/access.js';
import { GatewayError } from '../domain/errors.js';
import type { Clock } from '../lib/clock.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';

export interface Grant {
  readonly userId: number;
  readonly phoneNumber: string;
  readonly level: GrantLevel;
  readonly grantedBy: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface GrantEvents {
  [event: string]: unknown;
  changed: { userId: number; phoneNumber: string; level: GrantLevel | null };
}

/**
 * Per-number grants, all kept in memory (user → number → grant) and written through here, so the policy's
 * check is two map lookups. Grants of a deleted number go with it (foreign key cascade, and `forgetNumber`).
 * On a host this service is the store's only writer; in distributed mode other gateways' changes arrive through
 * `refresh` (the change feed, docs/cluster.md).
 */
export class GrantService {
  private readonly emitter = new TypedEmitter<GrantEvents>();
  readonly events: Listenable<GrantEvents> = this.emitter.view;
  private readonly byUser = new Map<number, Map<string, Grant>>();

  private constructor(
    private readonly repo: GrantStore,
    private readonly clock: Clock,
  ) {}

  /** Reads every grant into memory. */
  static async load(repo: GrantStore, clock: Clock): Promise<GrantService> {
    const service = new GrantService(repo, clock);
    for (const row of await repo.all()) service.remember(toGrant(row));
    return service;
  }

  level(userId: number, phoneNumber: string): GrantLevel | null {
    return this.byUser.get(userId)?.get(phoneNumber)?.level ?? null;
  }

  /** The numbers granted to a user. */
  ofUser(userId: number): Grant[] {
    return [...(this.byUser.get(userId)?.values() ?? [])];
  }

  /** Everyone granted something on a number. */
  ofNumber(phoneNumber: string): Grant[] {
    const found: Grant[] = [];
    for (const grants of this.byUser.values()) {
      const grant = grants.get(phoneNumber);
      if (grant) found.push(grant);
    }
    return found.sort((a, b) => a.userId - b.userId);
  }

  /** `audit`: the row that records the change, committed with it. */
  async set(grant: Pick<Grant, 'userId' | 'phoneNumber' | 'level' | 'grantedBy'>, audit?: AuditLink): Promise<Grant> {
    const row = await this.repo.upsert(grant, this.clock.now(), audit);
    const stored = toGrant(row);
    // Through the comparison: in distributed mode the change feed may have brought this very change back (and
    // announced it) while the write's answer was on its way.
    this.replace(stored.userId, stored.phoneNumber, stored);
    return stored;
  }

  async remove(userId: number, phoneNumber: string, audit?: AuditLink): Promise<void> {
    if (!this.byUser.get(userId)?.has(phoneNumber)) throw new GatewayError('GRANT_NOT_FOUND', `user ${userId} has no grant on ${phoneNumber}`);
    await this.repo.delete(userId, phoneNumber, audit);
    this.replace(userId, phoneNumber, null);
  }

  /**
   * Another gateway changed the grant with this key (`<user id>:<phone>`), or any grant (null): read it again and
   * announce `changed` for what differs from memory.
   */
  async refresh(key: string | null): Promise<void> {
    if (key === null) return this.reloadAll();
    const split = key.indexOf(':');
    const userId = Number(key.slice(0, split));
    const phoneNumber = key.slice(split + 1);
    if (split < 1 || !Number.isSafeInteger(userId)) return;
    const row = await this.repo.get(userId, phoneNumber);
    this.replace(userId, phoneNumber, row ? toGrant(row) : null);
  }

  /** The number was unregistered: its rows are gone (cascade); whoever registers it next shares it with nobody. */
  forgetNumber(phoneNumber: string): void {
    for (const grants of this.byUser.values()) grants.delete(phoneNumber);
  }

  /** A number created before its phone was known took its phone: its grants (moved in the rename's transaction) follow here. */
  renameNumber(from: string, to: string): void {
    for (const [userId, grants] of this.byUser) {
      const grant = grants.get(from);
      if (!grant) continue;
      grants.delete(from);
      grants.set(to, Object.freeze({ ...grant, phoneNumber: to }));
      this.emitter.emit('changed', { userId, phoneNumber: to, level: grant.level });
    }
  }

  private async reloadAll(): Promise<void> {
    const fresh = new Map<string, Grant>();
    for (const row of await this.repo.all()) fresh.set(`${row.userId}:${row.phoneNumber}`, toGrant(row));
    for (const [userId, grants] of this.byUser) {
      for (const phoneNumber of [...grants.keys()]) if (!fresh.has(`${userId}:${phoneNumber}`)) this.replace(userId, phoneNumber, null);
    }
    for (const grant of fresh.values()) this.replace(grant.userId, grant.phoneNumber, grant);
  }

  /** Memory takes the stored grant (null: none); `changed` when its level is different now. */
  private replace(userId: number, phoneNumber: string, grant: Grant | null): void {
    const before = this.byUser.get(userId)?.get(phoneNumber) ?? null;
    if (grant) this.remember(grant);
    else this.byUser.get(userId)?.delete(phoneNumber);
    if ((before?.level ?? null) !== (grant?.level ?? null)) this.emitter.emit('changed', { userId, phoneNumber, level: grant?.level ?? null });
  }

  private remember(grant: Grant): void {
    let grants = this.byUser.get(grant.userId);
    if (!grants) this.byUser.set(grant.userId, (grants = new Map()));
    grants.set(grant.phoneNumber, grant);
  }
}

function toGrant(row: GrantRow): Grant {
  return Object.freeze({ userId: row.userId, phoneNumber: row.phoneNumber, level: row.level, grantedBy: row.grantedBy, createdAt: row.createdAt, updatedAt: row.updatedAt });
}
