import { eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { UserSettingsStore } from '../ports/user-settings.js';
import { userSettings } from '../schema.js';

export class UserSettingsRepository implements UserSettingsStore {
  constructor(private readonly db: Db) {}

  async get(userId: number): Promise<Record<string, unknown>> {
    return this.read(userId);
  }

  async merge(userId: number, patch: Record<string, unknown>, now: number): Promise<Record<string, unknown>> {
    return this.db.transaction(() => {
      const settings = { ...this.read(userId), ...patch };
      this.db
        .insert(userSettings)
        .values({ userId, settings, updatedAt: now })
        .onConflictDoUpdate({ target: userSettings.userId, set: { settings, updatedAt: now } })
        .run();
      return settings;
    });
  }

  private read(userId: number): Record<string, unknown> {
    return this.db.select().from(userSettings).where(eq(userSettings.userId, userId)).get()?.settings ?? {};
  }
}
