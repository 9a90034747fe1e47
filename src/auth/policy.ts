import type { DeviceReader } from '../db/ports/devices.js';
import type { DeviceRow } from '../db/schema.js';
import { atLeast, lowerLevel, ROLE_LEVEL_CAP, ROLE_SCOPES, scopeLevel, type GrantLevel, type Scope } from '../domain/access.js';
import { errors } from '../domain/errors.js';
import { isPendingId } from '../domain/number-key.js';
import type { NumberFilter } from '../domain/phone.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import type { Account } from './accounts.js';
import type { GrantService } from './grants.js';
import type { Principal } from './principal.js';

/** Something changed who may see what: live connections of these principals must be checked again. */
export type AccessChange =
  /** `reconnect`: close this user's live connections even if they keep their access (a lowered role). */
  | { readonly kind: 'user'; readonly userId: number; readonly reason: string; readonly reconnect?: boolean }
  | { readonly kind: 'key'; readonly keyId: string; readonly reason: string }
  /** A number was registered or unregistered: its audience is new. */
  | { readonly kind: 'number'; readonly phoneNumber: string; readonly reason: string };

export interface AccessEvents {
  [event: string]: unknown;
  changed: AccessChange;
}

/**
 * The one access rule of the gateway. Every route (through its declared permission), the proxy (HTTP and
 * WebSocket), every list and count, Socket.IO (handshake, global events, `join`) and the stores ask here:
 *
 *   may `principal` use `scope` on number N at grant level L?
 *
 * A principal holds a scope when its role does (a key: when its owner's role does and the key lists it). Its
 * level on N is `manager` for admins and N's owner, else its grant, capped by its role (viewers only read). A key
 * also needs N in its number list. Refusals: 403 naming the missing scope; 404 for a number the account may not
 * see (as if unknown); 403 for a number the account sees but the key does not cover, or a level too low.
 */
export class AccessPolicy {
  private readonly emitter = new TypedEmitter<AccessEvents>();
  readonly changes: Listenable<AccessEvents> = this.emitter.view;

  constructor(
    private readonly devices: DeviceReader,
    private readonly grants: GrantService,
  ) {}

  /** Tell every holder of live connections that access changed (the realtime server and the WebSocket proxy listen). */
  announce(change: AccessChange): void {
    this.emitter.emit('changed', change);
  }

  hasScope(principal: Principal, scope: Scope): boolean {
    if (principal.kind === 'system') return true;
    if (!ROLE_SCOPES[principal.user.role].has(scope)) return false;
    return principal.kind === 'user' ? true : principal.use.key.scopes.has(scope);
  }

  requireScope(principal: Principal, scope: Scope): void {
    if (!this.hasScope(principal, scope)) throw errors.missingScope(scope, principal.kind === 'key' ? 'key' : 'role');
  }

  isAdmin(principal: Principal): boolean {
    return principal.kind === 'system' || principal.user.role === 'admin';
  }

  /** The account's level on a number, ignoring any key restriction; null = may not see it. */
  accountLevel(account: Account, row: DeviceRow): GrantLevel | null {
    if (account.role === 'admin') return 'manager';
    const own: GrantLevel | null = row.ownerId === account.id ? 'manager' : this.grants.level(account.id, row.phoneNumber);
    return own === null ? null : lowerLevel(own, ROLE_LEVEL_CAP[account.role]);
  }

  /** The principal's level on a number (null = may not see it, or its key does not cover it). */
  level(principal: Principal, row: DeviceRow): GrantLevel | null {
    if (principal.kind === 'system') return 'manager';
    if (principal.kind === 'key' && !covers(principal, row.phoneNumber)) return null;
    return this.accountLevel(principal.user, row);
  }

  /** The check without throwing: for hot paths (each Socket.IO message) and filters. */
  allows(principal: Principal, scope: Scope, row: DeviceRow, level: GrantLevel = scopeLevel(scope)): boolean {
    return this.hasScope(principal, scope) && atLeast(this.level(principal, row), level);
  }

  allowsNumber(principal: Principal, scope: Scope, phoneNumber: string, level: GrantLevel = scopeLevel(scope)): boolean {
    const row = this.devices.get(phoneNumber);
    return row !== undefined && this.allows(principal, scope, row, level);
  }

  /** The number's row when the principal may use `scope` on it at `level` (default: the scope's own level). */
  require(principal: Principal, scope: Scope, phoneNumber: string, level: GrantLevel = scopeLevel(scope)): DeviceRow {
    this.requireScope(principal, scope);
    const row = this.devices.get(phoneNumber);
    if (!row) throw errors.deviceNotFound(phoneNumber);
    if (principal.kind === 'system') return row;
    const have = this.accountLevel(principal.user, row);
    if (have === null) throw errors.hiddenDevice(phoneNumber);
    if (principal.kind === 'key' && !covers(principal, phoneNumber)) {
      throw errors.forbidden(`this API key does not cover number ${phoneNumber}`, { phoneNumber });
    }
    if (!atLeast(have, level)) {
      throw errors.forbidden(`${scope} on ${phoneNumber} needs the ${level} level; you have ${have}`, { phoneNumber, requiredLevel: level, level: have });
    }
    return row;
  }

  /**
   * The key a number goes by now: a pending id whose number has taken its phone names that phone (the id stays on
   * the row for good, docs/pending-numbers.md); any other key is itself.
   */
  currentKey(key: string): string {
    if (!isPendingId(key) || this.devices.get(key)) return key;
    return this.devices.getByPendingId(key)?.phoneNumber ?? key;
  }

  /** Every number the principal may use `scope` on at `level`, oldest first; empty without the scope. */
  visible(principal: Principal, scope: Scope, level: GrantLevel = scopeLevel(scope)): DeviceRow[] {
    if (!this.hasScope(principal, scope)) return [];
    return this.devices.list().filter((row) => atLeast(this.level(principal, row), level));
  }

  /** Every number the principal can see at all, with its level there (whatever its scopes). */
  levels(principal: Principal): { row: DeviceRow; level: GrantLevel }[] {
    return this.devices.list().flatMap((row) => {
      const level = this.level(principal, row);
      return level === null ? [] : [{ row, level }];
    });
  }

  /** The numbers of `visible`, or null when the principal sees every number (no filter needed). */
  visibleNumbers(principal: Principal, scope: Scope, level: GrantLevel = scopeLevel(scope)): string[] | null {
    if (this.seesEverything(principal) && this.hasScope(principal, scope)) return null;
    return this.visible(principal, scope, level).map((row) => row.phoneNumber);
  }

  /** The numbers of a list the principal may use `scope` on, in the list's order (for answers naming numbers). */
  filter(principal: Principal, scope: Scope, level: GrantLevel = scopeLevel(scope)): NumberFilter {
    return (phoneNumbers) => {
      if (this.seesEverything(principal) && this.hasScope(principal, scope)) return [...phoneNumbers];
      return phoneNumbers.filter((phone) => this.allowsNumber(principal, scope, phone, level));
    };
  }

  /** Admins (and their keys for every number) see all numbers, including ones registered later. */
  seesEverything(principal: Principal): boolean {
    if (principal.kind === 'system') return true;
    return principal.user.role === 'admin' && (principal.kind === 'user' || principal.use.key.numbers === '*');
  }
}

function covers(principal: Principal & { kind: 'key' }, phoneNumber: string): boolean {
  const numbers = principal.use.key.numbers;
  return numbers === '*' || numbers.has(phoneNumber);
}
