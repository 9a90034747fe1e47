import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm run demo`: the gateway on the stand-in binary with throwaway data, so anyone can try the API offline.
 * Only the environment differs from a real start; the code path is the same.
 */
export function demoEnvironment(root: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-gateway-demo-'));
  return {
    ...base,
    NODE_ENV: 'development',
    WHATSAPP_BINARY: path.join(root, 'bin', 'whatsapp-sim'),
    SESSIONS_DIR: path.join(dir, 'sessions'),
    DATA_DIR: path.join(dir, 'volumes'),
    JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    API_KEY_PEPPER: crypto.randomBytes(32).toString('hex'),
    DEFAULT_ADMIN_USER: 'admin',
    DEFAULT_ADMIN_PASS: crypto.randomBytes(9).toString('base64url'),
  };
}

export function demoInstructions(port: number, user: string, pass: string, dataDir: string): string {
  const base = `http://localhost:${port}`;
  return [
    '',
    'WhatsApp Multi-Platform demo (stand-in binary, throwaway data)',
    `  data:     ${dataDir}`,
    `  admin:    ${user} / ${pass}`,
    `  API docs: ${base}/api-docs`,
    '',
    'Try next:',
    `  TOKEN=$(curl -s -X POST ${base}/api/auth/login -H 'Content-Type: application/json' -d '{"username":"${user}","password":"${pass}"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')`,
    `  curl -s -X POST ${base}/api/devices -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"phoneNumber":"5511999999999","name":"Demo desk"}'`,
    `  curl -s ${base}/api/devices/5511999999999/status -H "Authorization: Bearer $TOKEN"`,
    '',
  ].join('\n');
}
