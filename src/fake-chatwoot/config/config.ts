/**
 * Start-up settings, from flags (which win) and the environment, checked once; a bad value fails start-up
 * with the list of problems. Runtime behaviour lives in the knobs (config/knobs.ts).
 */
import { readFileSync } from 'node:fs';
import { parseVersion, type Version } from '../domain/version.js';
import { knobsFromEnv, type Knobs } from './knobs.js';
import { DEFAULT_SEED, parseSeed, type Seed } from './seed.js';

export interface FakeConfig {
  readonly host: string;
  /** 0 = any free port (read it from the ready line). */
  readonly port: number;
  /** The `/_fake/*` control API on its own port, so it still answers while the API port refuses connections. */
  readonly controlPort: number;
  /** A second storage origin for cross-host `data_url` redirects. */
  readonly storagePort: number;
  readonly version: Version;
  /** FRONTEND_URL: the base of `data_url`; default `http://<host>:<port>`. */
  readonly frontendUrl: string | null;
  readonly seed: Seed;
  readonly stateFile: string | null;
  /** Signs blob ids and storage URLs (SECRET_KEY_BASE). */
  readonly secretKeyBase: string;
  readonly knobs: Knobs;
  readonly quiet: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const FLAGS: Record<string, string> = {
  '--host': 'FAKE_CHATWOOT_HOST',
  '--port': 'FAKE_CHATWOOT_PORT',
  '--control-port': 'FAKE_CHATWOOT_CONTROL_PORT',
  '--storage-port': 'FAKE_CHATWOOT_STORAGE_PORT',
  '--chatwoot-version': 'FAKE_CHATWOOT_VERSION',
  '--seed': 'FAKE_CHATWOOT_SEED_FILE',
  '--state-file': 'FAKE_CHATWOOT_STATE_FILE',
  '--frontend-url': 'FRONTEND_URL',
};

export const USAGE = `Usage: chatwoot-fake [--host H] [--port N] [--control-port N] [--storage-port N]
                     [--chatwoot-version X.Y.Z] [--seed FILE] [--state-file FILE] [--frontend-url URL] [--quiet]

A fake Chatwoot v4.x (Application and Public API, signed webhooks, ActiveStorage redirects) for tests.
Every flag has an environment variable (FAKE_CHATWOOT_HOST, _PORT, _CONTROL_PORT, _STORAGE_PORT, _VERSION,
_SEED_FILE or _SEED (JSON text), _STATE_FILE, FRONTEND_URL); flags win. See docs/fake-chatwoot.md.
`;

export type ParsedArgs = { kind: 'help' } | { kind: 'run'; overrides: Record<string, string>; quiet: boolean } | { kind: 'error'; message: string };

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const overrides: Record<string, string> = {};
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--quiet') {
      quiet = true;
      continue;
    }
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const key = FLAGS[name];
    if (!key) return { kind: 'error', message: `unknown argument: ${arg}` };
    const value = inline ?? argv[++i];
    if (value === undefined) return { kind: 'error', message: `${name} needs a value` };
    overrides[key] = value;
  }
  return { kind: 'run', overrides, quiet };
}

export function buildConfig(env: Readonly<Record<string, string | undefined>>, overrides: Record<string, string>, quiet: boolean): FakeConfig {
  const all = { ...env, ...overrides };
  const problems: string[] = [];
  const port = (key: string, fallback: number): number => {
    const text = all[key];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      problems.push(`${key}: not a port: "${text}"`);
      return fallback;
    }
    return value;
  };
  const versionText = all.FAKE_CHATWOOT_VERSION ?? '4.16.2';
  const version = parseVersion(versionText);
  if (!version) problems.push(`FAKE_CHATWOOT_VERSION: not a version X.Y.Z: "${versionText}"`);
  const frontendUrl = all.FRONTEND_URL ? all.FRONTEND_URL.replace(/\/+$/, '') : null;
  if (frontendUrl !== null && !/^https?:\/\/[^/]+/.test(frontendUrl)) problems.push(`FRONTEND_URL: not an http(s) URL: "${frontendUrl}"`);
  const config = {
    host: all.FAKE_CHATWOOT_HOST || '127.0.0.1',
    port: port('FAKE_CHATWOOT_PORT', 3000),
    controlPort: port('FAKE_CHATWOOT_CONTROL_PORT', 0),
    storagePort: port('FAKE_CHATWOOT_STORAGE_PORT', 0),
    version: version ?? { text: '4.16.2', parts: [4, 16, 2] as const },
    frontendUrl,
    seed: loadSeed(all, problems),
    stateFile: all.FAKE_CHATWOOT_STATE_FILE || null,
    secretKeyBase: all.SECRET_KEY_BASE || 'fake-chatwoot-secret-key-base',
    knobs: knobsFromEnv(all, problems),
    quiet: quiet || all.FAKE_CHATWOOT_QUIET === 'true',
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

function loadSeed(env: Readonly<Record<string, string | undefined>>, problems: string[]): Seed {
  let text: string | undefined;
  let source = '';
  if (env.FAKE_CHATWOOT_SEED_FILE) {
    source = env.FAKE_CHATWOOT_SEED_FILE;
    try {
      text = readFileSync(source, 'utf8');
    } catch (err) {
      problems.push(`seed file ${source}: ${(err as Error).message}`);
      return DEFAULT_SEED;
    }
  } else if (env.FAKE_CHATWOOT_SEED) {
    source = 'FAKE_CHATWOOT_SEED';
    text = env.FAKE_CHATWOOT_SEED;
  }
  if (text === undefined) return DEFAULT_SEED;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    problems.push(`${source}: not JSON: ${(err as Error).message}`);
    return DEFAULT_SEED;
  }
  const parsed = parseSeed(json);
  if ('problems' in parsed) {
    problems.push(...parsed.problems.map((p) => `${source}: ${p}`));
    return DEFAULT_SEED;
  }
  return parsed.seed;
}
