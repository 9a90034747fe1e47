import { describe, expect, it } from '@jest/globals';
import { buildChildEnv, DEFAULT_STORE_URI, type ChildSettings } from '../../src/supervisor/child-env.js';

const SETTINGS: ChildSettings = { port: 8001, basicAuth: 'gw:pw', os: 'Chrome', webhookUrl: 'http://127.0.0.1:3000/hook', webhookSecret: 's', debug: false };
const INHERITED = { PATH: '/usr/bin', JWT_SECRET: 'never', SIM_ARBITER_URL: 'http://127.0.0.1:9', SIM_NODE: 'n1', SIM_FENCE: '4' };

describe('a child\'s environment', () => {
  it('keeps the session store in the child\'s folder by default', () => {
    expect(buildChildEnv(SETTINGS, INHERITED)).toEqual({
      APP_PORT: '8001',
      APP_HOST: '127.0.0.1',
      APP_BASIC_AUTH: 'gw:pw',
      APP_OS: 'Chrome',
      APP_DEBUG: 'false',
      DB_URI: 'file:storages/whatsapp.db?_foreign_keys=on',
      WHATSAPP_WEBHOOK: 'http://127.0.0.1:3000/hook',
      WHATSAPP_WEBHOOK_SECRET: 's',
      APP_UI_AUTO_UPDATE: 'false',
      MCP_ENABLED: 'false',
      PATH: '/usr/bin',
      SIM_ARBITER_URL: 'http://127.0.0.1:9',
      SIM_NODE: 'n1',
      SIM_FENCE: '4',
    });
    expect(DEFAULT_STORE_URI).toBe('file:storages/whatsapp.db?_foreign_keys=on');
  });

  it('gives the store URI it is handed (distributed mode: the number\'s fenced Postgres role)', () => {
    const uri = 'postgres://wa_5511999000001:pw@127.0.0.1:5432/gw?sslmode=disable&application_name=f2';
    const env = buildChildEnv({ ...SETTINGS, storeUri: uri }, INHERITED);
    expect(env.DB_URI).toBe(uri);
    expect(env.JWT_SECRET).toBeUndefined();
  });
});
