/**
 * The stand-in's configuration, resolved once at boot with the binary's precedence (docs/binary-contract.md §1):
 * flag value first, then every non-empty environment value (real env, else `./.env`) overrides it.
 */
import { FLAG_SPECS, parseGoBool, type FlagSpec } from '../cli/flags.js';
import { splitList, type FlagValue } from '../cli/parse-args.js';

export interface BasicAuthUser {
  readonly user: string;
  readonly pass: string;
}

export interface WebhookSettings {
  readonly urls: readonly string[];
  readonly secret: string;
  readonly events: readonly string[];
  readonly ignoreJids: readonly string[];
  readonly insecureSkipVerify: boolean;
}

/** Knobs of the stand-in only (no such settings in the real binary); they let tests run in seconds. */
export interface SimKnobs {
  readonly autoconnectDelayMs: number;
  readonly ackDelayMs: number;
  readonly qrDurationSec: number;
}

/** `SIM_ARBITER_URL` and what the stand-in tells the arbiter about itself (stand-in only). */
export interface ArbiterSettings {
  readonly url: string;
  /** `SIM_NODE`. */
  readonly node: string;
  /** `SIM_FENCE`, else `application_name=f<N>` of a postgres `DB_URI`. */
  readonly fence: number | null;
}

export interface SimConfig {
  readonly port: string;
  readonly host: string;
  readonly debug: boolean;
  readonly os: string;
  readonly basicAuth: readonly BasicAuthUser[];
  readonly basePath: string;
  readonly corsOrigins: readonly string[];
  readonly uiEnabled: boolean;
  readonly uiAutoUpdate: boolean;
  readonly dbUri: string;
  readonly webhook: WebhookSettings;
  readonly accountValidation: boolean;
  readonly autoDownloadMedia: boolean;
  readonly knobs: SimKnobs;
  readonly arbiter: ArbiterSettings | null;
}

/** A configuration error is fatal (logrus fatal, exit 1) in the real binary. */
export class ConfigError extends Error {}

type Settings = Map<string, FlagValue>;

export function resolveSettings(flags: Map<string, FlagValue>, env: ReadonlyMap<string, string>): Settings {
  const settings: Settings = new Map();
  for (const spec of FLAG_SPECS) settings.set(spec.env, flags.get(spec.env) ?? spec.def);
  for (const spec of FLAG_SPECS) {
    const fromEnv = env.get(spec.env);
    if (fromEnv === undefined || fromEnv === '') continue;
    settings.set(spec.env, envValue(spec, fromEnv, settings.get(spec.env)));
  }
  return settings;
}

function envValue(spec: FlagSpec, text: string, current: FlagValue | undefined): FlagValue {
  if (spec.kind === 'list') return splitList(text);
  if (spec.kind === 'string') return text;
  // viper/cast: an unparsable bool reads as false. APP_DEBUG is only ever checked for true, so it can switch
  // debug on but never off.
  const parsed = parseGoBool(text) ?? false;
  return spec.env === 'APP_DEBUG' ? parsed || current === true : parsed;
}

export function buildConfig(settings: Settings, env: ReadonlyMap<string, string>): SimConfig {
  const str = (key: string): string => {
    const value = settings.get(key);
    return typeof value === 'string' ? value : '';
  };
  const bool = (key: string): boolean => settings.get(key) === true;
  const list = (key: string): string[] => {
    const value = settings.get(key);
    return (Array.isArray(value) ? value : []).filter((entry) => entry !== '');
  };
  return {
    port: str('APP_PORT'),
    host: str('APP_HOST'),
    debug: bool('APP_DEBUG'),
    os: str('APP_OS'),
    basicAuth: parseBasicAuth(settings.get('APP_BASIC_AUTH')),
    basePath: normaliseBasePath(str('APP_BASE_PATH')),
    corsOrigins: list('APP_CORS_ALLOWED_ORIGINS'),
    uiEnabled: bool('APP_UI_ENABLED'),
    uiAutoUpdate: bool('APP_UI_AUTO_UPDATE'),
    dbUri: str('DB_URI'),
    webhook: {
      urls: list('WHATSAPP_WEBHOOK'),
      secret: str('WHATSAPP_WEBHOOK_SECRET'),
      events: list('WHATSAPP_WEBHOOK_EVENTS').map((event) => event.toLowerCase()),
      ignoreJids: list('WHATSAPP_WEBHOOK_IGNORE_JIDS'),
      insecureSkipVerify: bool('WHATSAPP_WEBHOOK_INSECURE_SKIP_VERIFY'),
    },
    accountValidation: bool('WHATSAPP_ACCOUNT_VALIDATION'),
    autoDownloadMedia: bool('WHATSAPP_AUTO_DOWNLOAD_MEDIA'),
    knobs: {
      autoconnectDelayMs: knob(env, 'SIM_AUTOCONNECT_DELAY_MS', 2000),
      ackDelayMs: knob(env, 'SIM_ACK_DELAY_MS', 500),
      qrDurationSec: knob(env, 'SIM_QR_DURATION_SEC', 30),
    },
    arbiter: env.get('SIM_ARBITER_URL')
      ? { url: env.get('SIM_ARBITER_URL') ?? '', node: env.get('SIM_NODE') ?? '', fence: fenceOf(env.get('SIM_FENCE'), str('DB_URI')) }
      : null,
  };
}

/** The fence a child was started with: `SIM_FENCE`, else `application_name=f<N>` in a postgres DB_URI. */
export function fenceOf(simFence: string | undefined, dbUri: string): number | null {
  if (simFence !== undefined && /^[0-9]{1,15}$/.test(simFence)) return Number(simFence);
  if (!dbUri.startsWith('postgres:')) return null;
  const match = /[?&]application_name=f([0-9]{1,15})(?:&|$)/.exec(dbUri);
  return match ? Number(match[1]) : null;
}

function knob(env: ReadonlyMap<string, string>, key: string, fallback: number): number {
  const value = Number(env.get(key));
  return env.get(key) !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function parseBasicAuth(value: FlagValue | undefined): BasicAuthUser[] {
  const entries = Array.isArray(value) ? value : [];
  return entries.map((entry) => {
    const parts = entry.split(':');
    // Same rule and wording as the binary's rest.go: anything but exactly one ':' is fatal.
    if (parts.length !== 2) throw new ConfigError('Basic auth is not valid, please this following format <user>:<secret>');
    return { user: parts[0] ?? '', pass: parts[1] ?? '' };
  });
}

function normaliseBasePath(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** The whatsmeow store location: `DB_URI` without `file:` and `?query`, relative to the working directory. */
export function sessionDbPath(dbUri: string): string {
  const withoutQuery = dbUri.replace(/^file:/, '').split('?')[0] ?? '';
  // `file:///abs/path` is an absolute path for SQLite.
  return withoutQuery.startsWith('//') ? withoutQuery.replace(/^\/\/[^/]*/, '') : withoutQuery;
}
