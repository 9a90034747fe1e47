import { KEY_PRESETS, ROLE_SCOPES, type KeyPreset, type Scope } from '../domain/access.js';
import { errors, ValidationError } from '../domain/errors.js';
import type { Account, AccountService } from './accounts.js';
import { AddressList } from './address-list.js';
import type { ApiKeyRecord, KeyChange, KeySpec } from './api-keys.js';
import type { AccessPolicy } from './policy.js';
import type { CallerPrincipal } from './principal.js';

export interface KeyRequest {
  readonly name?: string;
  readonly ownerId?: number;
  readonly scopes?: readonly Scope[];
  readonly preset?: KeyPreset;
  readonly numbers?: '*' | readonly string[];
  /** ms, or null for no expiry (admin owners only). */
  readonly expiresAt?: number | null;
  readonly allowedCidrs?: readonly string[] | null;
}

export interface KeyLimits {
  /** Longest lifetime of a key whose owner is not an admin (ms). */
  readonly maxTtlMs: number;
  readonly now: number;
}

/**
 * A key is never wider than its owner, nor than whoever makes it: every scope must be held by the owner's role
 * and by the creating principal (a key making keys passes on only what it has), every listed number must be
 * visible to both, and a key limited to some numbers cannot make a key for all of them. Non-admin owners' keys
 * must expire, within the configured maximum. Nothing is written when a rule fails.
 */
export class KeyRules {
  constructor(
    private readonly policy: AccessPolicy,
    private readonly accounts: AccountService,
  ) {}

  /** Who may manage this key: its owner, and administrators. Others are told it does not exist. */
  requireManageable(creator: CallerPrincipal, key: ApiKeyRecord | undefined, id: string): ApiKeyRecord {
    if (!key || (key.ownerId !== creator.user.id && !this.policy.isAdmin(creator))) throw errors.keyNotFound(id);
    return key;
  }

  forCreation(creator: CallerPrincipal, request: KeyRequest & { name: string }, limits: KeyLimits): KeySpec {
    const owner = this.owner(creator, request.ownerId);
    const scopes = this.scopes(creator, owner, [...(request.preset ? KEY_PRESETS[request.preset] : []), ...(request.scopes ?? [])]);
    return {
      name: request.name,
      ownerId: owner.id,
      createdBy: creator.user.id,
      scopes,
      numbers: this.numbers(creator, owner, request.numbers ?? '*'),
      expiresAt: this.expiry(owner, request.expiresAt ?? null, limits),
      allowedCidrs: addresses(request.allowedCidrs ?? null),
    };
  }

  forChange(creator: CallerPrincipal, key: ApiKeyRecord, request: KeyRequest, limits: KeyLimits): KeyChange {
    const owner = this.accounts.account(key.ownerId);
    if (!owner) throw errors.userNotFound(key.ownerId);
    const change: { -readonly [K in keyof KeyChange]: KeyChange[K] } = {};
    if (request.name !== undefined) change.name = request.name;
    if (request.scopes !== undefined || request.preset !== undefined) change.scopes = this.scopes(creator, owner, [...(request.preset ? KEY_PRESETS[request.preset] : []), ...(request.scopes ?? [])]);
    if (request.numbers !== undefined) change.numbers = this.numbers(creator, owner, request.numbers);
    if (request.expiresAt !== undefined) change.expiresAt = this.expiry(owner, request.expiresAt, limits);
    if (request.allowedCidrs !== undefined) change.allowedCidrs = addresses(request.allowedCidrs);
    return change;
  }

  private owner(creator: CallerPrincipal, ownerId: number | undefined): Account {
    if (ownerId === undefined || ownerId === creator.user.id) return creator.user;
    if (!this.policy.isAdmin(creator)) throw errors.forbidden('only administrators make keys for other users');
    const owner = this.accounts.account(ownerId);
    if (!owner) throw errors.userNotFound(ownerId);
    if (owner.disabled) throw new ValidationError([{ field: 'ownerId', message: 'this account is disabled' }]);
    return owner;
  }

  private scopes(creator: CallerPrincipal, owner: Account, wanted: readonly Scope[]): Scope[] {
    const scopes = [...new Set(wanted)];
    if (scopes.length === 0) throw new ValidationError([{ field: 'scopes', message: 'give at least one scope, or a preset' }]);
    for (const scope of scopes) {
      if (!ROLE_SCOPES[owner.role].has(scope)) throw errors.forbidden(`the key's owner (role ${owner.role}) does not hold the scope ${scope}`, { missingScope: scope });
      if (!this.policy.hasScope(creator, scope)) throw errors.missingScope(scope, creator.kind === 'key' ? 'key' : 'role');
    }
    return scopes;
  }

  private numbers(creator: CallerPrincipal, owner: Account, numbers: '*' | readonly string[]): '*' | string[] {
    if (numbers === '*') {
      if (creator.kind === 'key' && creator.use.key.numbers !== '*') throw errors.forbidden('this API key covers only some numbers: list them instead of *');
      return '*';
    }
    if (numbers.length === 0) throw new ValidationError([{ field: 'numbers', message: 'list at least one number, or give "*"' }]);
    // A pending id whose number took its phone is listed as the phone (the key follows the number, not the id).
    const unique = [...new Set(numbers.map((n) => this.policy.currentKey(n)))];
    for (const phone of unique) {
      // A number the creator may not see is unknown to it (404); one the owner may not see is too wide (403).
      const row = this.policy.require(creator, 'numbers:read', phone, 'read');
      if (this.policy.accountLevel(owner, row) === null) throw errors.forbidden(`the key's owner may not see number ${phone}`, { phoneNumber: phone });
    }
    return unique;
  }

  private expiry(owner: Account, expiresAt: number | null, limits: KeyLimits): number | null {
    if (expiresAt === null) {
      if (owner.role !== 'admin') throw new ValidationError([{ field: 'expiresAt', message: 'keys of non-admin accounts must expire (expiresAt or expiresInDays)' }]);
      return null;
    }
    if (expiresAt <= limits.now) throw new ValidationError([{ field: 'expiresAt', message: 'must be in the future' }]);
    if (owner.role !== 'admin' && expiresAt - limits.now > limits.maxTtlMs) {
      throw new ValidationError([{ field: 'expiresAt', message: `must be within ${Math.round(limits.maxTtlMs / 86_400_000)} days (API_KEY_MAX_TTL_DAYS)` }]);
    }
    return expiresAt;
  }
}

function addresses(list: readonly string[] | null): string[] | null {
  if (list === null) return null;
  if (list.length === 0) throw new ValidationError([{ field: 'allowedCidrs', message: 'give at least one range, or null for any address' }]);
  const { problems } = AddressList.parse(list);
  if (problems.length > 0) throw new ValidationError(problems.map((message) => ({ field: 'allowedCidrs', message })));
  return [...list];
}
