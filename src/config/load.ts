import path from 'node:path';
import { crossCheck, envSchema, type Env } from './schema.js';

export interface Config extends Env {
  /** Absolute paths resolved once, so nothing downstream depends on the process's cwd. */
  readonly paths: {
    readonly root: string;
    readonly binary: string;
    readonly sessions: string;
    readonly data: string;
    readonly database: string;
  };
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse and validate the environment once; every problem is reported together, then boot stops. */
export function loadConfig(env: NodeJS.ProcessEnv, root: string): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  // Messages name the key and the rule, never the value: values may be secrets.
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  problems.push(...crossCheck(parsed.success ? parsed.data : parseEachKey(env)));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const data = path.resolve(root, parsed.data.DATA_DIR);
  return Object.freeze({
    ...parsed.data,
    paths: Object.freeze({
      root,
      binary: path.resolve(root, parsed.data.WHATSAPP_BINARY),
      sessions: path.resolve(root, parsed.data.SESSIONS_DIR),
      data,
      database: path.join(data, 'whatsapp.db'),
    }),
  });
}

/** The keys that are valid on their own, so cross-key rules can still be checked when others are broken. */
function parseEachKey(env: NodeJS.ProcessEnv): Partial<Env> {
  const values: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(envSchema.shape)) {
    const result = schema.safeParse(env[key]);
    if (result.success) values[key] = result.data;
  }
  return values as Partial<Env>;
}
