/* global process, console */
/**
 * The access checks in process, on the gateway's own compiled code (`npm run build` first): how long one
 * credential check takes with N API keys stored (a good key, an unknown key id, a wrong secret of a real key, and a
 * JWT for comparison), and how much CPU one audit row costs. Prints one JSON object; bench/scenarios/access.ts runs it.
 *
 *   node bench/access-micro.mjs [keys=10000] [checks=20000] [auditRows=5000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const load = (path) => import(join(ROOT, 'dist', path));
const [{ openDatabase }, { UserRepository }, { ApiKeyRepository }, { AuditRepository }, { ApiKeyService }, { SecretHasher, newKeyId, newSecret, formatKey }, { AccountService }, { LoginThrottle }, { TokenService }, { Authenticator }, { AuditLog }, { systemClock }, { createLogger }] =
  await Promise.all(
    [
      'db/client.js',
      'db/repositories/users.js',
      'db/repositories/api-keys.js',
      'db/repositories/audit.js',
      'auth/api-keys.js',
      'auth/key-format.js',
      'auth/accounts.js',
      'auth/login-throttle.js',
      'auth/tokens.js',
      'auth/authenticate.js',
      'audit/audit-log.js',
      'lib/clock.js',
      'lib/logger.js',
    ].map(load),
  );

const keyCount = Number(process.argv[2] ?? 10_000);
const checks = Number(process.argv[3] ?? 20_000);
const auditCount = Number(process.argv[4] ?? 5000);
const dir = mkdtempSync(join(tmpdir(), 'wa-bench-access-'));

try {
  const database = openDatabase(join(dir, 'whatsapp.db'), join(ROOT, 'drizzle'));
  const users = new UserRepository(database.db);
  const owner = await users.insert({ username: 'bench-owner', passwordHash: 'not-a-login', role: 'user' }, Date.now());
  const hasher = new SecretHasher('bench-pepper-bench-pepper-bench-pepper');
  const repo = new ApiKeyRepository(database.db);
  const samples = [];
  const now = Date.now();
  database.db.transaction(() => {
    for (let i = 0; i < keyCount; i++) {
      const id = newKeyId();
      const secret = newSecret();
      void repo.insert({ id, env: 'test', name: `k${i}`, ownerId: owner.id, createdBy: owner.id, secretHash: hasher.hash(secret).toString('hex'), lastFour: secret.slice(-4), scopes: ['numbers:read'], numbers: ['*'], allowedCidrs: null, expiresAt: now + 86_400_000, createdAt: now, updatedAt: now });
      if (samples.length < 1000) samples.push({ id, secret });
    }
  });
  const keys = await ApiKeyService.load(repo, hasher, systemClock, 'test');
  const accounts = await AccountService.load(users, new LoginThrottle(systemClock, { maxPerUser: 5, maxPerAddress: 20, windowMs: 60_000 }), systemClock, false);
  const tokens = new TokenService('bench-jwt-secret-bench-jwt-secret-123456', '1h');
  const authn = new Authenticator(tokens, accounts, keys);
  const jwt = tokens.issue(accounts.account(owner.id)).token;

  // The first half of the sampled keys is used over and over; the second half once each (their first use).
  const half = Math.ceil(samples.length / 2);
  const kinds = {
    valid: (i) => formatKey('test', samples[i % half].id, samples[i % half].secret),
    unknownKey: (i) => formatKey('test', newKeyIdNotIn(keys), samples[i % samples.length].secret),
    wrongSecret: (i) => formatKey('test', samples[i % samples.length].id, newSecret()),
    jwt: () => jwt,
  };
  const times = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  const credentials = Object.fromEntries(Object.entries(kinds).map(([k, make]) => [k, Array.from({ length: 512 }, (_, i) => make(i))]));
  // A key's first use (the HMAC; later uses of the same key are served from the verified cache): keys not used yet.
  const firstUse = [];
  for (const sample of samples.slice(half)) {
    const credential = formatKey('test', sample.id, sample.secret);
    const t0 = process.hrtime.bigint();
    authn.authenticate(credential, '127.0.0.1');
    firstUse.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const check = (kind, i) => {
    const credential = credentials[kind][i % 512];
    const t0 = process.hrtime.bigint();
    try {
      authn.authenticate(credential, '127.0.0.1');
    } catch {
      // Refused, as expected for the bad kinds.
    }
    return Number(process.hrtime.bigint() - t0) / 1000;
  };
  for (let i = 0; i < 2000; i++) for (const kind of Object.keys(kinds)) check(kind, i);
  // Interleaved, so drift on the machine hits every kind alike.
  for (let i = 0; i < checks; i++) for (const kind of Object.keys(kinds)) times[kind].push(check(kind, i));
  await keys.close();

  const auditStore = new AuditRepository(database.db);
  const audit = new AuditLog(auditStore, systemClock, createLogger('silent'), auditStore);
  const entry = (i) => ({
    actor: { type: 'api_key', id: owner.id, name: 'bench-owner', keyId: samples[0].id },
    action: 'number.update',
    result: 'ok',
    target: { type: 'number', id: '5511999999999' },
    phoneNumber: '5511999999999',
    params: { name: `renamed ${i}`, webhookUrl: 'https://hooks.example.com/x', webhookSecret: 'secret-value' },
    ip: '203.0.113.7',
    userAgent: 'bench',
    requestId: `req-${i}`,
    httpStatus: 200,
    errorCode: null,
  });
  for (let i = 0; i < 200; i++) audit.record(entry(i));
  const auditWall = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < auditCount; i++) {
    const t0 = process.hrtime.bigint();
    audit.record(entry(i));
    auditWall.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  // Rows of requests that finished in the same event-loop turn are written together (AuditLog.later).
  const batchCpu0 = process.cpuUsage();
  for (let i = 0; i < auditCount; i += 50) {
    for (let j = 0; j < 50; j++) audit.later(entry(i + j));
    await audit.flush();
  }
  const batchCpu = process.cpuUsage(batchCpu0);
  const verify0 = process.hrtime.bigint();
  const verdict = await audit.verify();
  const verifyMs = Number(process.hrtime.bigint() - verify0) / 1e6;
  database.close();

  console.log(
    JSON.stringify({
      keys: keyCount,
      checks,
      checkMicros: { ...Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summary(v)])), firstUse: summary(firstUse) },
      audit: { rows: auditCount, cpuMsPerRow: (cpu.user + cpu.system) / 1000 / auditCount, batchedCpuMsPerRow: (batchCpu.user + batchCpu.system) / 1000 / auditCount, wallMicros: summary(auditWall), verify: { ok: verdict.ok, checked: verdict.checked, ms: verifyMs } },
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function newKeyIdNotIn(service) {
  for (;;) {
    const id = newKeyId();
    if (!service.get(id)) return id;
  }
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return { count: sorted.length, p50: at(50), p90: at(90), p99: at(99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}
