import { eq } from 'drizzle-orm';
import type { PgDb } from '../client.js';
import type { UserSettingsStore } from '../../ports/user-settings.js';
import { userSettings } from '../schema.js';

export class PgUserSettingsRepository implements UserSettingsStore {
  constructor(private readonly db: PgDb) {}

  async get(userId: number): Promise<Record<string, unknown>> {
    const [row] = await this.db.select({ settings: userSettings.settings }).from(userSettings).where(eq(userSettings.userId, userId));
    return row?.settings ?? {};
  }

  /** The row is made first and then locked, so a second merge at the same moment waits and merges over this one. */
  async merge(userId: number, patch: Record<string, unknown>, now: number): Promise<Record<string, unknown>> {
    return this.db.transaction(async (tx) => {
      await tx.insert(userSettings).values({ userId, settings: {}, updatedAt: now }).onConflictDoNothing();
      const [row] = await tx.select({ settings: userSettings.settings }).from(userSettings).where(eq(userSettings.userId, userId)).for('update');
      const settings = { ...(row?.settings ?? {}), ...patch };
      await tx.update(userSettings).set({ settings, updatedAt: now }).where(eq(userSettings.userId, userId));
      return settings;
    });
  }
}
