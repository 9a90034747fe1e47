import type { AuditLink } from '../db/ports/audit.js';
import type { UserPatch, UserStore } from '../db/ports/users.js';
import type { UserRow } from '../db/schema.js';
import { ROLES, type Role } from '../domain/access.js';
import { errors, GatewayError, ValidationError } from '../domain/errors.js';
import { passwordProblem } from '../domain/password-policy.js';
import type { Clock } from '../lib/clock.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import { reconcile } from '../lib/reconcile.js';
import type { LoginThrottle } from './login-throttle.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { AuthUser } from './tokens.js';

/** An account with what every request checks: enabled, and which token generation is current. */
export interface Account extends AuthUser {
  readonly disabled: boolean;
  readonly generation: number;
  readonly createdAt: number;
}

export interface AccountEvents {
  [event: string]: unknown;
  /** Role, enabled state or token generation changed: whatever holds this user's credentials must re-check. */
  changed: { userId: number; reason: string; tokensRevoked: boolean; roleLowered: boolean };
}

/**
 * Accounts: sign-in (throttled), passwords (policy in production), roles, disabling, and revoking every token
 * of a user. Accounts are read on every request from memory: all of them are read at boot, and each write here
 * replaces its entry. On a host this service is the store's only writer; in distributed mode other gateways'
 * changes arrive through `refresh` (the change feed, docs/cluster.md). Every write takes an optional audit row
 * that commits with it.
 */
export class AccountService {
  private readonly emitter = new TypedEmitter<AccountEvents>();
  readonly events: Listenable<AccountEvents> = this.emitter.view;
  private readonly cache = new Map<number, Account>();
  /** A hash to compare against when the user does not exist, so timing does not reveal usernames. */
  private decoy: Promise<string> | null = null;

  private constructor(
    private readonly users: UserStore,
    private readonly throttle: LoginThrottle,
    private readonly clock: Clock,
    private readonly production: boolean,
  ) {}

  /** Reads every account into memory. */
  static async load(users: UserStore, throttle: LoginThrottle, clock: Clock, production: boolean): Promise<AccountService> {
    const service = new AccountService(users, throttle, clock, production);
    for (const row of await users.list()) service.remember(row);
    return service;
  }

  /** First boot: create the admin from DEFAULT_ADMIN_*; later boots (or another gateway first) leave it alone. */
  async ensureAdmin(username: string, password: string): Promise<boolean> {
    if (await this.users.findByUsername(username)) return false;
    try {
      this.remember(await this.users.insert({ username, passwordHash: await hashPassword(password), role: 'admin' }, this.clock.now()));
      return true;
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'USER_EXISTS') return false;
      throw err;
    }
  }

  account(id: number): Account | null {
    return this.cache.get(id) ?? null;
  }

  /** By id. */
  list(): Account[] {
    return [...this.cache.values()].sort((a, b) => a.id - b.id);
  }

  isAdmin(id: number): boolean {
    return this.account(id)?.role === 'admin';
  }

  /** USER_EXISTS before the (slow) hashing when the name is known, and from the store when taken meanwhile. */
  async createUser(username: string, password: string, role: Role, audit?: AuditLink): Promise<Account> {
    if (this.list().some((a) => a.username === username)) throw errors.userExists(username);
    this.assertPassword(password, username);
    const passwordHash = await hashPassword(password);
    return this.remember(await this.users.insert({ username, passwordHash, role }, this.clock.now(), audit));
  }

  /** Throttled per user name and client address; a disabled account answers like a wrong password. */
  async authenticate(username: string, password: string, address: string | null): Promise<Account> {
    this.throttle.check(username, address);
    const user = await this.users.findByUsername(username);
    const ok = user ? await verifyPassword(password, user.passwordHash) : await this.decoyCheck(password);
    if (!user || !ok || user.disabledAt !== null) {
      this.throttle.failed(username, address);
      throw new GatewayError('INVALID_CREDENTIALS', 'invalid username or password');
    }
    this.throttle.succeeded(username);
    return this.remember(user);
  }

  /** The old password is required; every token of the user is revoked (sign in again with the new one). */
  async changePassword(id: number, current: string, next: string, audit?: AuditLink): Promise<Account> {
    const user = await this.users.findById(id);
    if (!user) throw errors.userNotFound(id);
    // A stolen token must not become a way to guess the password: wrong answers count like failed logins.
    this.throttle.check(user.username, null);
    if (!(await verifyPassword(current, user.passwordHash))) {
      this.throttle.failed(user.username, null);
      throw new ValidationError([{ field: 'currentPassword', message: 'is not your current password' }]);
    }
    return this.setPassword(user, next, 'password changed', audit);
  }

  /** An administrator sets a new password; every token of the user is revoked. */
  async resetPassword(id: number, next: string, audit?: AuditLink): Promise<Account> {
    const user = await this.users.findById(id);
    if (!user) throw errors.userNotFound(id);
    return this.setPassword(user, next, 'password reset', audit);
  }

  /** Role and enabled state; the last enabled admin cannot be demoted or disabled (decided in the write's transaction). */
  async update(id: number, change: { role?: Role; disabled?: boolean }, audit?: AuditLink): Promise<Account> {
    let before: UserRow | null = null;
    const row = await this.users.update(
      id,
      (user, enabledAdmins) => {
        before = user;
        const losesAdmin = user.role === 'admin' && user.disabledAt === null && ((change.role !== undefined && change.role !== 'admin') || change.disabled === true);
        if (losesAdmin && enabledAdmins <= 1) throw new GatewayError('LAST_ADMIN', 'this is the last enabled admin: create or enable another admin first');
        const patch: UserPatch = {};
        if (change.role !== undefined) patch.role = change.role;
        if (change.disabled !== undefined) patch.disabledAt = change.disabled ? (user.disabledAt ?? this.clock.now()) : null;
        // Disabling also ends every token: enabling the account later must not revive tokens issued before.
        if (change.disabled === true && user.disabledAt === null) patch.tokenGeneration = user.tokenGeneration + 1;
        return patch;
      },
      this.clock.now(),
      audit,
    );
    const previous = before as UserRow | null;
    if (!row || !previous) throw errors.userNotFound(id);
    const account = this.remember(row);
    const disabling = change.disabled === true && previous.disabledAt === null;
    const roleLowered = change.role !== undefined && ROLES.indexOf(change.role) > ROLES.indexOf(previous.role);
    this.emitter.emit('changed', { userId: id, reason: disabling ? 'account disabled' : roleLowered ? 'role lowered' : 'account changed', tokensRevoked: disabling, roleLowered });
    return account;
  }

  /** Every token of the user stops working now (and every dashboard session, through the `changed` event). */
  async revokeTokens(id: number, reason: string, audit?: AuditLink): Promise<Account> {
    const account = await this.write(id, (user) => ({ tokenGeneration: user.tokenGeneration + 1 }), audit);
    this.emitter.emit('changed', { userId: id, reason, tokensRevoked: true, roleLowered: false });
    return account;
  }

  /**
   * Another gateway changed the account with this id, or any account (null): read it again, and announce `changed`
   * when its role, enabled state or token generation is different now.
   */
  async refresh(key: string | null): Promise<void> {
    if (key === null) {
      return reconcile(this.cache.keys(), await this.users.list(), (row) => row.id, (id, row) => this.replace(id, row));
    }
    const id = Number(key);
    if (Number.isSafeInteger(id)) this.replace(id, await this.users.findById(id));
  }

  private replace(id: number, row: UserRow | undefined): void {
    const before = this.cache.get(id);
    if (row) this.remember(row);
    else this.cache.delete(id);
    const after = this.cache.get(id);
    if (!before || (after && after.role === before.role && after.disabled === before.disabled && after.generation === before.generation)) return;
    const tokensRevoked = !after || after.generation > before.generation;
    const roleLowered = !after || ROLES.indexOf(after.role) > ROLES.indexOf(before.role) || (after.disabled && !before.disabled);
    this.emitter.emit('changed', { userId: id, reason: after ? 'account changed on another gateway' : 'account removed', tokensRevoked, roleLowered });
  }

  private async setPassword(user: UserRow, next: string, reason: string, audit: AuditLink | undefined): Promise<Account> {
    this.assertPassword(next, user.username, 'newPassword');
    const passwordHash = await hashPassword(next);
    const account = await this.write(user.id, (current) => ({ passwordHash, tokenGeneration: current.tokenGeneration + 1 }), audit);
    this.emitter.emit('changed', { userId: user.id, reason, tokensRevoked: true, roleLowered: false });
    return account;
  }

  private assertPassword(password: string, username: string, field = 'password'): void {
    const problem = passwordProblem(password, username, this.production);
    if (problem) throw new ValidationError([{ field, message: problem }]);
  }

  private async write(id: number, patch: (current: UserRow) => UserPatch, audit: AuditLink | undefined): Promise<Account> {
    const row = await this.users.update(id, patch, this.clock.now(), audit);
    if (!row) throw errors.userNotFound(id);
    return this.remember(row);
  }

  private remember(row: UserRow): Account {
    const account = toAccount(row);
    this.cache.set(row.id, account);
    return account;
  }

  private async decoyCheck(password: string): Promise<boolean> {
    this.decoy ??= hashPassword('decoy-password');
    await verifyPassword(password, await this.decoy);
    return false;
  }
}

function toAccount(row: UserRow): Account {
  return Object.freeze({ id: row.id, username: row.username, role: row.role, disabled: row.disabledAt !== null, generation: row.tokenGeneration, createdAt: row.createdAt });
}
