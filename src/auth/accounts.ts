import { GatewayError } from '../domain/errors.js';
import type { UserRepository } from '../db/repositories/users.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { AuthUser } from './tokens.js';

export class AccountService {
  /** A hash to compare against when the user does not exist, so timing does not reveal usernames. */
  private decoy: Promise<string> | null = null;

  constructor(private readonly users: UserRepository) {}

  /** First boot: create the admin from DEFAULT_ADMIN_*; later boots leave an existing admin alone. */
  async ensureAdmin(username: string, password: string): Promise<boolean> {
    if (this.users.findByUsername(username)) return false;
    this.users.insert({ username, passwordHash: await hashPassword(password), role: 'admin' });
    return true;
  }

  async createUser(username: string, password: string, role: 'admin' | 'user'): Promise<AuthUser> {
    if (this.users.findByUsername(username)) throw new GatewayError('USER_EXISTS', `user ${username} already exists`);
    const row = this.users.insert({ username, passwordHash: await hashPassword(password), role });
    return { id: row.id, username: row.username, role: row.role };
  }

  async authenticate(username: string, password: string): Promise<AuthUser> {
    const user = this.users.findByUsername(username);
    if (!user) {
      this.decoy ??= hashPassword('decoy-password');
      await verifyPassword(password, await this.decoy);
      throw invalidCredentials();
    }
    if (!(await verifyPassword(password, user.passwordHash))) {
      throw invalidCredentials();
    }
    return { id: user.id, username: user.username, role: user.role };
  }

  list(): AuthUser[] {
    return this.users.list().map((u) => ({ id: u.id, username: u.username, role: u.role }));
  }

  get(id: number): AuthUser | null {
    const user = this.users.findById(id);
    return user ? { id: user.id, username: user.username, role: user.role } : null;
  }

  exists(id: number): boolean {
    return this.users.exists(id);
  }

  isAdmin(id: number): boolean {
    return this.users.findById(id)?.role === 'admin';
  }
}

const invalidCredentials = () => new GatewayError('INVALID_CREDENTIALS', 'invalid username or password');
