/** A user's dashboard settings, the same on both dialects (the first repository with a port: src/db/ports/). */
import { describe, expect, it } from '@jest/globals';
import type { UserSettingsStore } from '../../src/db/ports/user-settings.js';
import { PgUserSettingsRepository } from '../../src/db/pg/repositories/user-settings.js';
import { UserSettingsRepository } from '../../src/db/repositories/user-settings.js';
import { DIALECTS, dialectDatabases, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('settings');
const store = (d: TestDatabase): UserSettingsStore => (d.dialect === 'sqlite' ? new UserSettingsRepository(d.db) : new PgUserSettingsRepository(d.db));
const user = async (d: TestDatabase, username: string): Promise<number> => {
  const id = await d.fixture('INSERT INTO users (username, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)', [username, 'scrypt$x', 1, 1]);
  if (id === undefined) throw new Error('no user id');
  return id;
};

describe.each(DIALECTS)('user settings on %s', (dialect) => {
  it('are empty until changed, merge key by key, and read back exactly as written', async () => {
    const d = await open(dialect);
    const settings = store(d);
    const ana = await user(d, 'ana');
    const bia = await user(d, 'bia');
    expect(await settings.get(ana)).toEqual({});
    expect(await settings.merge(ana, { language: 'pt-BR' }, 10)).toEqual({ language: 'pt-BR' });
    const nested = { layout: { columns: [3, 1], dense: true }, note: 'olá ✓', zeta: null, alpha: 1 };
    expect(await settings.merge(ana, nested, 20)).toEqual({ language: 'pt-BR', ...nested });
    expect(await settings.merge(ana, { language: 'en' }, 30)).toEqual({ language: 'en', ...nested });
    const read = await settings.get(ana);
    expect(read).toEqual({ language: 'en', ...nested });
    expect(Object.keys(read)).toEqual(['language', 'layout', 'note', 'zeta', 'alpha']);
    expect(await settings.get(bia)).toEqual({});
  });

  it('keeps both of two merges made at the same moment for a user who had none', async () => {
    const d = await open(dialect);
    const settings = store(d);
    const ana = await user(d, 'ana');
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k, i) => settings.merge(ana, { [k]: i }, 100 + i)));
    expect(await settings.get(ana)).toEqual(Object.fromEntries(keys.map((k, i) => [k, i])));
  });

  it('go with their user', async () => {
    const d = await open(dialect);
    const settings = store(d);
    const ana = await user(d, 'ana');
    await settings.merge(ana, { language: 'en' }, 1);
    await d.fixture('DELETE FROM users WHERE id = ?', [ana]);
    expect(await settings.get(ana)).toEqual({});
  });
});
