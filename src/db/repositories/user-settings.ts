import { eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { userSettings } from '../schema.js';

/** One JSON object of preferences per user (the dashboard's language, …). */
export class UserSettingsRepository {
  constructor(private readonly db: Db) {}

  get(userId: number): Record<string, unknown> {
    return this.db.select().from(userSettings).where(eq(userSettings.userId, userId)).get()?.settings ?? {};
  }

  merge(userId: number, patch: Record<string, unknown>, now: number): Record<string, unknown> {
    return this.db.transaction(() => {
      const settings = { ...this.get(userId), ...patch };
      this.db
        .insert(userSettings)
        .values({ userId, settings, updatedAt: now })
        .onConflictDoUpdate({ target: userSettings.userId, set: { settings, updatedAt: now } })
        .run();
      return settings;
    });
  }
}
