import type { ApiKeyChange, ApiKeyPatch, ApiKeyStore } from '../db/ports/api-keys.js';
import type { AuditLink } from '../db/ports/audit.js';
import { isUniqueViolation } from '../db/unique.js';
import type { ApiKeyRow } from '../db/schema-access.js';
import type { Scope } from '../domain/access.js';
import { errors, ValidationError } from '../domain/errors.js';
import type { Clock } from '../lib/clock.js';
import { reconcile } from '../lib/reconcile.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import { AddressList } from './address-list.js';
import { formatKey, newKeyId, newSecret, parseKey, SecretHasher, type KeyEnv } from './key-format.js';

/** A key as the gateway keeps it in memory: every check is a map lookup, one HMAC and two constant-time compares. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly env: KeyEnv;
  readonly name: string;
  readonly ownerId: number;
  readonly createdBy: number | null;
  readonly secretHash: Buffer;
  readonly previousSecretHash: Buffer | null;
  readonly previousValidUntil: number | null;
  readonly lastFour: string;
  readonly scopes: ReadonlySet<Scope>;
  /** '*' = every number the owner may see. */
  readonly numbers: '*' | ReadonlySet<string>;
  readonly addresses: AddressList | null;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly rotatedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Which secret of the key was presented, and until when it is good. */
export interface KeyUse {
  readonly key: ApiKeyRecord;
  readonly secretHash: Buffer;
  readonly expiresAt: number | null;
}

export interface KeySpec {
  readonly name: string;
  readonly ownerId: number;
  readonly createdBy: number | null;
  readonly scopes: readonly Scope[];
  readonly numbers: '*' | readonly string[];
  readonly expiresAt: number | null;
  readonly allowedCidrs: readonly string[] | null;
}

export type KeyChange = Partial<Pick<KeySpec, 'name' | 'scopes' | 'numbers' | 'expiresAt' | 'allowedCidrs'>>;

export interface KeyEvents {
  [event: string]: unknown;
  /** Scopes, numbers, expiry, addresses or secret changed, or the key was revoked: its holders must re-check. */
  changed: { keyId: string; reason: string };
}

/** Compared against when the key id is unknown, so an unknown key costs the same as a wrong secret. */
const DECOY = Buffer.alloc(32, 0);
const FLUSH_EVERY_MS = 10_000;
const VERIFIED_MAX = 10_000;

/**
 * API keys: created, listed, changed, rotated and revoked through here; checked on every request from memory (all
 * keys are read at boot; on a host this service is the store's only writer, in distributed mode other gateways'
 * changes arrive through `refresh`, the change feed of docs/cluster.md). Every
 * write takes an optional audit row that commits with it. The secret is returned once, at creation or rotation,
 * and is never stored or logged.
 */
export class ApiKeyService {
  private readonly emitter = new TypedEmitter<KeyEvents>();
  readonly events: Listenable<KeyEvents> = this.emitter.view;
  private readonly keys = new Map<string, ApiKeyRecord>();
  /** Good keys seen recently (token → its use), oldest dropped first. */
  private readonly verified = new Map<string, KeyUse>();
  /** Last use per key, kept in memory and written every few seconds: a request never waits for this write. */
  private readonly usage = new Map<string, { at: number; ip: string | null }>();
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushed: Promise<void> = Promise.resolve();

  private constructor(
    private readonly repo: ApiKeyStore,
    private readonly hasher: SecretHasher,
    private readonly clock: Clock,
    private readonly env: KeyEnv,
    private readonly onFlushError: (err: unknown) => void,
  ) {}

  /** Reads every key into memory. `onFlushError`: a failed write of last uses (they are kept for the next one). */
  static async load(repo: ApiKeyStore, hasher: SecretHasher, clock: Clock, env: KeyEnv, onFlushError: (err: unknown) => void = () => undefined): Promise<ApiKeyService> {
    const service = new ApiKeyService(repo, hasher, clock, env, onFlushError);
    for (const row of await repo.all()) {
      service.keys.set(row.id, toRecord(row));
      if (row.lastUsedAt !== null) service.usage.set(row.id, { at: row.lastUsedAt, ip: row.lastUsedIp });
    }
    return service;
  }

  start(): void {
    this.flushTimer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.flushTimer.unref();
  }

  /** Stops the timer and writes the last uses still in memory. */
  async close(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    await this.flush();
  }

  /**
   * The key a bearer token names, if the token is a good key right now from this address; UNAUTHORIZED otherwise,
   * with the same answer (and the same work up to the compare) whatever was wrong.
   */
  authenticate(token: string, address: string | null): KeyUse {
    // A key seen before skips the HMAC; the use is re-checked against the key as it is now (revoked, rotated,
    // expired, narrowed), so every change still counts from the next request. Only good keys are remembered, so a
    // wrong key and a wrong secret of a real key still cost the same.
    const seen = this.verified.get(token);
    if (seen) {
      const use = this.stillValid(seen);
      if (use && (use.key.addresses === null || use.key.addresses.allows(address))) return this.used(use, address);
      this.verified.delete(token);
    }
    const parsed = parseKey(token);
    const key = parsed ? this.keys.get(parsed.id) : undefined;
    const given = this.hasher.hash(parsed?.secret ?? token);
    const current = SecretHasher.same(given, key?.secretHash ?? DECOY);
    const previous = SecretHasher.same(given, key?.previousSecretHash ?? DECOY);
    const now = this.clock.now();
    if (!key || !parsed || parsed.env !== key.env || (!current && !previous)) throw errors.unauthorized();
    if (!current && (key.previousValidUntil === null || now >= key.previousValidUntil)) throw errors.unauthorized();
    if (!usable(key, now) || (key.addresses !== null && !key.addresses.allows(address))) throw errors.unauthorized();
    const until = current ? key.expiresAt : minimum(key.expiresAt, key.previousValidUntil);
    const use: KeyUse = { key, secretHash: current ? key.secretHash : (key.previousSecretHash as Buffer), expiresAt: until };
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, use);
    return this.used(use, address);
  }

  private used(use: KeyUse, address: string | null): KeyUse {
    this.usage.set(use.key.id, { at: this.clock.now(), ip: address });
    this.dirty.add(use.key.id);
    return use;
  }

  /** The key behind a use, if that use is still good (sockets re-check after any change). */
  stillValid(use: KeyUse): KeyUse | null {
    const key = this.keys.get(use.key.id);
    const now = this.clock.now();
    if (!key || !usable(key, now)) return null;
    if (SecretHasher.same(use.secretHash, key.secretHash)) return { key, secretHash: key.secretHash, expiresAt: key.expiresAt };
    if (key.previousSecretHash && SecretHasher.same(use.secretHash, key.previousSecretHash) && key.previousValidUntil !== null && now < key.previousValidUntil) {
      return { key, secretHash: key.previousSecretHash, expiresAt: minimum(key.expiresAt, key.previousValidUntil) };
    }
    return null;
  }

  get(id: string): ApiKeyRecord | undefined {
    return this.keys.get(id);
  }

  list(ownerId?: number): ApiKeyRecord[] {
    const all = [...this.keys.values()];
    return (ownerId === undefined ? all : all.filter((k) => k.ownerId === ownerId)).sort((a, b) => a.createdAt - b.createdAt);
  }

  lastUse(id: string): { at: number; ip: string | null } | null {
    return this.usage.get(id) ?? null;
  }

  isActive(key: ApiKeyRecord): boolean {
    return usable(key, this.clock.now());
  }

  /** `audit` makes the row that records the new key (it gets the key's id), committed with it. */
  async create(spec: KeySpec, audit?: (keyId: string) => AuditLink): Promise<{ key: ApiKeyRecord; secret: string }> {
    const now = this.clock.now();
    const secret = newSecret();
    const fields = {
      env: this.env,
      name: spec.name,
      ownerId: spec.ownerId,
      createdBy: spec.createdBy,
      secretHash: this.hasher.hash(secret).toString('hex'),
      lastFour: secret.slice(-4),
      scopes: [...spec.scopes],
      numbers: spec.numbers === '*' ? ['*'] : [...spec.numbers],
      allowedCidrs: spec.allowedCidrs === null ? null : normalisedCidrs(spec.allowedCidrs),
      expiresAt: spec.expiresAt,
      createdAt: now,
      updatedAt: now,
    };
    // An id drawn twice (here, or by another gateway first) is drawn again.
    for (let attempt = 1; ; attempt++) {
      let id = newKeyId();
      while (this.keys.has(id)) id = newKeyId();
      try {
        const key = toRecord(await this.repo.insert({ id, ...fields }, audit?.(id)));
        this.keys.set(id, key);
        return { key, secret: formatKey(this.env, id, secret) };
      } catch (err) {
        if (attempt >= 3 || !isUniqueViolation(err)) throw err;
      }
    }
  }

  async update(id: string, change: KeyChange, audit?: AuditLink): Promise<ApiKeyRecord> {
    const patch: ApiKeyPatch = { updatedAt: this.clock.now() };
    if (change.name !== undefined) patch.name = change.name;
    if (change.scopes !== undefined) patch.scopes = [...change.scopes];
    if (change.numbers !== undefined) patch.numbers = change.numbers === '*' ? ['*'] : [...change.numbers];
    if (change.expiresAt !== undefined) patch.expiresAt = change.expiresAt;
    if (change.allowedCidrs !== undefined) patch.allowedCidrs = change.allowedCidrs === null ? null : normalisedCidrs(change.allowedCidrs);
    return this.write(id, () => patch, audit, 'key changed');
  }

  /** A new secret; the old one (the one current in the store) keeps working for `graceMs` (0: stops at once). */
  async rotate(id: string, graceMs: number, audit?: AuditLink): Promise<{ key: ApiKeyRecord; secret: string }> {
    const key = this.require(id);
    const now = this.clock.now();
    const secret = newSecret();
    const updated = await this.write(
      id,
      (current) => {
        if (current.revokedAt !== null) throw new ValidationError([{ field: 'id', message: 'a revoked key cannot be rotated' }]);
        return {
          secretHash: this.hasher.hash(secret).toString('hex'),
          lastFour: secret.slice(-4),
          previousSecretHash: graceMs > 0 ? current.secretHash : null,
          previousValidUntil: graceMs > 0 ? now + graceMs : null,
          rotatedAt: now,
          updatedAt: now,
        };
      },
      audit,
      'key rotated',
    );
    return { key: updated, secret: formatKey(key.env, id, secret) };
  }

  /** Revoked once: revoking again keeps the first time and who did it. */
  async revoke(id: string, by: number | null, audit?: AuditLink): Promise<ApiKeyRecord> {
    const now = this.clock.now();
    return this.write(
      id,
      (current) => ({ revokedAt: current.revokedAt ?? now, revokedBy: current.revokedAt === null ? by : current.revokedBy, previousSecretHash: null, previousValidUntil: null, updatedAt: now }),
      audit,
      'key revoked',
    );
  }

  /**
   * A number created before its phone was known took its phone: the keys listing it list the phone now (their rows
   * moved in the rename's transaction, db/ports/number-keys.ts); this brings the records in memory along.
   */
  renameNumber(from: string, to: string): void {
    for (const key of this.keys.values()) {
      if (key.numbers === '*' || !key.numbers.has(from)) continue;
      const numbers = new Set([...key.numbers].map((n) => (n === from ? to : n)));
      this.keys.set(key.id, Object.freeze({ ...key, numbers }));
      this.emitter.emit('changed', { keyId: key.id, reason: `number ${from} is ${to} now` });
    }
  }

  /**
   * Another gateway changed the key with this id, or any key (null): read it again, and announce `changed` when it
   * is different now (a good token of it is checked against the key as it is now from the next request).
   */
  async refresh(id: string | null): Promise<void> {
    if (id !== null) return this.replace(id, await this.repo.get(id));
    reconcile(this.keys.keys(), await this.repo.all(), (row) => row.id, (key, row) => this.replace(key, row));
  }

  private replace(id: string, row: ApiKeyRow | undefined): void {
    const before = this.keys.get(id);
    const after = row ? toRecord(row) : undefined;
    if (after) this.keys.set(id, after);
    else this.keys.delete(id);
    if (!before || (after && sameKey(before, after))) return;
    this.emitter.emit('changed', { keyId: id, reason: after ? (after.revokedAt !== null && before.revokedAt === null ? 'key revoked' : 'key changed') : 'key removed' });
  }

  /** Write the last uses kept in memory (every few seconds, and at shutdown); never rejects (see `onFlushError`). */
  flush(): Promise<void> {
    if (this.dirty.size === 0) return this.flushed;
    const ids = [...this.dirty];
    const uses = ids.flatMap((id) => {
      const use = this.usage.get(id);
      return use && this.keys.has(id) ? [{ id, ...use }] : [];
    });
    this.dirty.clear();
    this.flushed = this.flushed.then(() =>
      this.repo.touch(uses).catch((err: unknown) => {
        // Kept for the next flush (a newer use may have replaced it meanwhile: that one is written then).
        for (const id of ids) this.dirty.add(id);
        this.onFlushError(err);
      }),
    );
    return this.flushed;
  }

  private async write(id: string, change: ApiKeyChange, audit: AuditLink | undefined, reason: string): Promise<ApiKeyRecord> {
    this.require(id);
    const row = await this.repo.update(id, change, audit);
    if (!row) throw errors.keyNotFound(id);
    const key = toRecord(row);
    this.keys.set(id, key);
    this.emitter.emit('changed', { keyId: id, reason });
    return key;
  }

  private require(id: string): ApiKeyRecord {
    const key = this.keys.get(id);
    if (!key) throw errors.keyNotFound(id);
    return key;
  }
}

/** What a check of the key depends on (a write that changes any of it also sets `updatedAt`, except a number's rename). */
function sameKey(a: ApiKeyRecord, b: ApiKeyRecord): boolean {
  const numbers = (k: ApiKeyRecord): string => (k.numbers === '*' ? '*' : [...k.numbers].join(','));
  return a.updatedAt === b.updatedAt && a.revokedAt === b.revokedAt && a.secretHash.equals(b.secretHash) && numbers(a) === numbers(b);
}

function usable(key: ApiKeyRecord, now: number): boolean {
  return key.revokedAt === null && (key.expiresAt === null || now < key.expiresAt);
}

function minimum(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function normalisedCidrs(list: readonly string[]): string[] {
  return [...AddressList.parse(list).list.entries];
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return Object.freeze({
    id: row.id,
    env: row.env,
    name: row.name,
    ownerId: row.ownerId,
    createdBy: row.createdBy,
    secretHash: Buffer.from(row.secretHash, 'hex'),
    previousSecretHash: row.previousSecretHash ? Buffer.from(row.previousSecretHash, 'hex') : null,
    previousValidUntil: row.previousValidUntil,
    lastFour: row.lastFour,
    scopes: new Set(row.scopes),
    numbers: row.numbers.includes('*') ? '*' : new Set(row.numbers),
    addresses: row.allowedCidrs === null ? null : AddressList.parse(row.allowedCidrs).list,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    rotatedAt: row.rotatedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });
}
