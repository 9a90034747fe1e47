import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { supervisorSettingsFrom } from '../../src/supervisor/settings-from-config.js';

describe('configuration', () => {
  it('has working defaults for development', () => {
    const config = loadConfig({}, '/srv/gw');
    expect(config).toMatchObject({ API_PORT: 3000, PROCESS_BASE_PORT: 8000, PROCESS_MAX_PORT: 8999, MAX_PROCESSES: 50, QR_CODE_TIMEOUT: 60000, API_RATE_LIMIT: 100 });
    expect(config.paths.database).toBe('/srv/gw/volumes/whatsapp.db');
    expect(config.paths.binary).toBe('/srv/gw/bin/whatsapp');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every problem at once, naming keys but never values', () => {
    try {
      loadConfig({ API_PORT: 'abc', MAX_PROCESSES: '0', PROCESS_BASE_PORT: '9000', PROCESS_MAX_PORT: '8000', JWT_SECRET: '' }, '/x');
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/API_PORT/);
      expect(problems).toMatch(/MAX_PROCESSES/);
      expect(problems).toMatch(/PROCESS_MAX_PORT/);
      expect(problems).toMatch(/JWT_SECRET/);
      expect(problems).not.toMatch(/abc/);
    }
  });

  it('takes CORS origins as an exact list, and refuses wildcards and paths', () => {
    expect(loadConfig({}, '/x').CORS_ORIGINS).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: 'https://desk.example.com, http://localhost:5173' }, '/x').CORS_ORIGINS).toEqual(['https://desk.example.com', 'http://localhost:5173']);
    expect(() => loadConfig({ CORS_ORIGINS: '*' }, '/x')).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://desk.example.com/app' }, '/x')).toThrow(/CORS_ORIGINS/);
  });

  it.each([
    { value: undefined, timeoutMs: 5000 },
    { value: '0', timeoutMs: 0 },
    { value: '2', timeoutMs: 2000 },
    { value: '600', timeoutMs: 600_000 },
  ])('takes CHILD_WATCHDOG_TIMEOUT=$value as seconds (0 = off)', ({ value, timeoutMs }) => {
    const config = loadConfig(value === undefined ? {} : { CHILD_WATCHDOG_TIMEOUT: value }, '/srv/gw');
    expect(supervisorSettingsFrom(config, () => '').watchdog).toEqual({ timeoutMs, program: '/srv/gw/dist/supervisor/watchdog/main.js' });
  });

  it.each(['1', '601', '-1', '2.5', '5s'])('refuses CHILD_WATCHDOG_TIMEOUT=%s', (value) => {
    expect(() => loadConfig({ CHILD_WATCHDOG_TIMEOUT: value }, '/x')).toThrow(/CHILD_WATCHDOG_TIMEOUT: /);
  });

  it('needs an API_HOST the children can reach on loopback', () => {
    expect(() => loadConfig({ API_HOST: '192.0.2.10' }, '/x')).toThrow(/API_HOST: must be 0\.0\.0\.0/);
    expect(loadConfig({ API_HOST: '127.0.0.1' }, '/x').API_HOST).toBe('127.0.0.1');
  });

  it('refuses default secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' }, '/x')).toThrow(/SECRETS_ENCRYPTION_KEY[\s\S]*JWT_SECRET[\s\S]*DEFAULT_ADMIN_PASS[\s\S]*API_KEY_PEPPER/);
    const secrets = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), API_KEY_PEPPER: 'k'.repeat(32), SECRETS_ENCRYPTION_KEY: 's'.repeat(40) };
    expect(() => loadConfig({ ...secrets, DEFAULT_ADMIN_PASS: 'a-long-admin-password' }, '/x')).toThrow(/DEFAULT_ADMIN_PASS: must not contain the user name/);
    expect(() => loadConfig({ ...secrets, DEFAULT_ADMIN_PASS: 'correct-horse-battery', API_KEY_PEPPER: 'short' }, '/x')).toThrow(/API_KEY_PEPPER/);
    expect(() => loadConfig({ ...secrets, DEFAULT_ADMIN_PASS: 'correct-horse-battery', SECRETS_ENCRYPTION_KEY: 'too-short' }, '/x')).toThrow(/SECRETS_ENCRYPTION_KEY: production needs/);
    const ok = loadConfig({ ...secrets, DEFAULT_ADMIN_PASS: 'correct-horse-battery' }, '/x');
    expect(ok.NODE_ENV).toBe('production');
    expect(loadConfig({}, '/x').AUDIT_RETENTION_DAYS).toBe(180);
  });

  it('checks the Chatwoot command settings: authorised phones and retry delays', () => {
    expect(() => loadConfig({ WEBHOOK_AUTHORIZED_PHONE_NUMBERS: '+5585999999999, 123' }, '/x')).toThrow(/WEBHOOK_AUTHORIZED_PHONE_NUMBERS: 123 is not a phone number/);
    expect(loadConfig({ WEBHOOK_AUTHORIZED_PHONE_NUMBERS: '+5585999999999,+5511988887777' }, '/x').WEBHOOK_COMMAND_KEYWORD).toBe('erga');
    expect(() => loadConfig({ CHATWOOT_RETRY_BASE_DELAY: '5000', CHATWOOT_RETRY_MAX_DELAY: '100' }, '/x')).toThrow(/CHATWOOT_RETRY_MAX_DELAY/);
    expect(() => loadConfig({ WEBHOOK_COMMAND_KEYWORD: 'two words' }, '/x')).toThrow(/WEBHOOK_COMMAND_KEYWORD/);
  });
});
