import type { UserPatch, UserRepository } from '../db/repositories/users.js';
import type { UserRow } from '../db/schema.js';
import { ROLES, type Role } from '../domain/access.js';
import { errors, GatewayError, ValidationError } from '../domain/errors.js';
import { passwordProblem } from '../domain/password-policy.js';
import type { Clock } from '../lib/clock.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
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

/** Runs inside the account's own write transaction (the audit row). */
export type InTransaction = () => void;
const nothing: InTransaction = () => undefined;

/**
 * Accounts: sign-in (throttled), passwords (policy in production), roles, disabling, and revoking every token
 * of a user. Accounts are read on every request from a cache that each write here replaces.
 */
export class AccountService {
  private readonly emitter = new TypedEmitter<AccountEvents>();
  readonly events: Listenable<AccountEvents> = this.emitter.view;
  private readonly cache = new Map<number, Account | null>();
  /** A hash to compare against when the user does not exist, so timing does not reveal usernames. */
  private decoy: Promise<string> | null = null;

  constructor(
    private readonly users: UserRepository,
    private readonly throttle: LoginThrottle,
    private readonly clock: Clock,
    private readonly production: boolean,
  ) {}

  /** First boot: create the admin from DEFAULT_ADMIN_*; later boots leave an existing admin alone. */
  async ensureAdmin(username: string, password: string): Promise<boolean> {
    if (this.users.findByUsername(username)) return false;
    this.users.insert({ username, passwordHash: await hashPassword(password), role: 'admin' });
    return true;
  }

  account(id: number): Account | null {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    const row = this.users.findById(id);
    const account = row ? toAccount(row) : null;
    if (account) this.cache.set(id, account);
    return account;
  }

  list(): Account[] {
    return this.users.list().map(toAccount);
  }

  isAdmin(id: number): boolean {
    return this.account(id)?.role === 'admin';
  }

  async createUser(username: string, password: string, role: Role, inTransaction: InTransaction = nothing): Promise<Account> {
    if (this.users.findByUsername(username)) throw new GatewayError('USER_EXISTS', `user ${username} already exists`);
    this.assertPassword(password, username);
    const passwordHash = await hashPassword(password);
    const row = this.users.transaction(() => {
      if (this.users.findByUsername(username)) throw new GatewayError('USER_EXISTS', `user ${username} already exists`);
      const inserted = this.users.insert({ username, passwordHash, role });
      inTransaction();
      return inserted;
    });
    return this.remember(row);
  }

  /** Throttled per user name and client address; a disabled account answers like a wrong password. */
  async authenticate(username: string, password: string, address: string | null): Promise<Account> {
    this.throttle.check(username, address);
    const user = this.users.findByUsername(username);
    const ok = user ? await verifyPassword(password, user.passwordHash) : await this.decoyCheck(password);
    if (!user || !ok || user.disabledAt !== null) {
      this.throttle.failed(username, address);
      throw new GatewayError('INVALID_CREDENTIALS', 'invalid username or password');
    }
    this.throttle.succeeded(username);
    return this.remember(user);
  }

  /** The old password is required; every token of the user is revoked (sign in again with the new one). */
  async changePassword(id: number, current: string, next: string, inTransaction: InTransaction = nothing): Promise<Account> {
    const user = this.users.findById(id);
    if (!user) throw errors.userNotFound(id);
    // A stolen token must not become a way to guess the password: wrong answers count like failed logins.
    this.throttle.check(user.username, null);
    if (!(await verifyPassword(current, user.passwordHash))) {
      this.throttle.failed(user.username, null);
      throw new ValidationError([{ field: 'currentPassword', message: 'is not your current password' }]);
    }
    return this.setPassword(user, next, 'password changed', inTransaction);
  }

  /** An administrator sets a new password; every token of the user is revoked. */
  async resetPassword(id: number, next: string, inTransaction: InTransaction = nothing): Promise<Account> {
    const user = this.users.findById(id);
    if (!user) throw errors.userNotFound(id);
    return this.setPassword(user, next, 'password reset', inTransaction);
  }

  /** Role and enabled state; the last enabled admin cannot be demoted or disabled. */
  update(id: number, change: { role?: Role; disabled?: boolean }, inTransaction: InTransaction = nothing): Account {
    const user = this.users.findById(id);
    if (!user) throw errors.userNotFound(id);
    const losesAdmin = user.role === 'admin' && user.disabledAt === null && ((change.role !== undefined && change.role !== 'admin') || change.disabled === true);
    if (losesAdmin && this.users.list().filter((u) => u.role === 'admin' && u.disabledAt === null).length <= 1) {
      throw new GatewayError('LAST_ADMIN', 'this is the last enabled admin: create or enable another admin first');
    }
    const patch: UserPatch = {};
    if (change.role !== undefined) patch.role = change.role;
    if (change.disabled !== undefined) patch.disabledAt = change.disabled ? (user.disabledAt ?? this.clock.now()) : null;
    const disabling = change.disabled === true && user.disabledAt === null;
    // Disabling also ends every token: enabling the account later must not revive tokens issued before.
    if (disabling) patch.tokenGeneration = user.tokenGeneration + 1;
    const row = this.write(id, patch, inTransaction);
    const roleLowered = change.role !== undefined && ROLES.indexOf(change.role) > ROLES.indexOf(user.role);
    this.emitter.emit('changed', { userId: id, reason: disabling ? 'account disabled' : roleLowered ? 'role lowered' : 'account changed', tokensRevoked: disabling, roleLowered });
    return row;
  }

  /** Every token of the user stops working now (and every dashboard session, through the `changed` event). */
  revokeTokens(id: number, reason: string, inTransaction: InTransaction = nothing): Account {
    const user = this.users.findById(id);
    if (!user) throw errors.userNotFound(id);
    const account = this.write(id, { tokenGeneration: user.tokenGeneration + 1 }, inTransaction);
    this.emitter.emit('changed', { userId: id, reason, tokensRevoked: true, roleLowered: false });
    return account;
  }

  private async setPassword(user: UserRow, next: string, reason: string, inTransaction: InTransaction): Promise<Account> {
    this.assertPassword(next, user.username, 'newPassword');
    const passwordHash = await hashPassword(next);
    const account = this.write(user.id, { passwordHash, tokenGeneration: user.tokenGeneration + 1 }, inTransaction);
    this.emitter.emit('changed', { userId: user.id, reason, tokensRevoked: true, roleLowered: false });
    return account;
  }

  private assertPassword(password: string, username: string, field = 'password'): void {
    const problem = passwordProblem(password, username, this.production);
    if (problem) throw new ValidationError([{ field, message: problem }]);
  }

  private write(id: number, patch: UserPatch, inTransaction: InTransaction): Account {
    const row = this.users.transaction(() => {
      const updated = this.users.update(id, patch);
      inTransaction();
      return updated;
    });
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
