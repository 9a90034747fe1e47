/**
 * Behaviour a test may change while the fake runs (`GET|PUT /_fake/knobs`). The start values come from the
 * environment: Chatwoot's own variable where one exists (WEBHOOK_TIMEOUT, SAFE_FETCH_ALLOW_PRIVATE_NETWORK,
 * CONVERSATION_MESSAGE_PER_MINUTE_LIMIT, ENABLE_RACK_ATTACK, RACK_ATTACK_LIMIT, RACK_ATTACK_ALLOWED_IPS,
 * RATE_LIMIT_CONTACT_SEARCH), a `FAKE_CHATWOOT_*` one otherwise. Keys are the wire names of the control API.
 */
import { z } from 'zod';

export const knobsSchema = z.object({
  /** Deliver the webhooks of a request after its response was sent (default) or before it is sent. */
  webhook_timing: z.enum(['after_response', 'before_response']),
  /** One attempt per delivery, with this timeout (Chatwoot: WEBHOOK_TIMEOUT seconds, default 5). */
  webhook_timeout_ms: z.number().int().min(1),
  /** Extra copies of every delivery (chatwoot#11901). */
  webhook_duplicates: z.number().int().min(0).max(10),
  /** Copies reuse the X-Chatwoot-Delivery id (a Sidekiq re-run) instead of getting their own (a second enqueue). */
  webhook_duplicate_same_delivery_id: z.boolean(),
  /** SAFE_FETCH_ALLOW_PRIVATE_NETWORK: without it, 4.14+ refuses deliveries to private and loopback addresses. */
  allow_private_network: z.boolean(),
  /** Status of the `data_url` redirect (ActiveStorage answers 302; the model comment says 301). */
  redirect_status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]),
  /** Redirect to the storage on the same host as the request, or to the separate storage listener (another origin). */
  redirect_target: z.enum(['same_host', 'storage_host']),
  /** Storage answers 404 for every blob (a broken FRONTEND_URL or bucket). */
  blobs_missing: z.boolean(),
  /** Lifetime of a storage URL handed out by the redirect (ActiveStorage: 5 minutes). */
  storage_url_ttl_ms: z.number().int().min(1),
  /** CONVERSATION_MESSAGE_PER_MINUTE_LIMIT: messages per conversation per window, then 422 "Too many messages". */
  flood_limit: z.number().int().min(1),
  flood_window_ms: z.number().int().min(1),
  /** ENABLE_RACK_ATTACK. */
  rate_limit_enabled: z.boolean(),
  /** RACK_ATTACK_LIMIT: requests per IP per period. */
  rate_limit: z.number().int().min(1),
  rate_limit_period_ms: z.number().int().min(1),
  /** RATE_LIMIT_CONTACT_SEARCH: contact searches per account per period. */
  contact_search_limit: z.number().int().min(1),
  /** RACK_ATTACK_ALLOWED_IPS. */
  rate_limit_allowed_ips: z.array(z.string()),
  /** Rate-limit loopback clients too (Chatwoot always exempts 127.0.0.1 and ::1). */
  rate_limit_loopback: z.boolean(),
  /** Add Retry-After to 429 answers (rack-attack's `throttled_response_retry_after_header`, off in Chatwoot). */
  rate_limit_retry_after: z.boolean(),
}).strict();

export type Knobs = z.infer<typeof knobsSchema>;
export const knobsPatchSchema = knobsSchema.partial();
export type KnobsPatch = z.infer<typeof knobsPatchSchema>;

type Env = Readonly<Record<string, string | undefined>>;

export function knobsFromEnv(env: Env, problems: string[]): Knobs {
  const int = (key: string, fallback: number, min = 1): number => {
    const text = env[key];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) {
      problems.push(`${key}: must be an integer of at least ${min}, got "${text}"`);
      return fallback;
    }
    return value;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const text = env[key];
    if (text === undefined || text === '') return fallback;
    if (['true', '1', 'yes'].includes(text.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(text.toLowerCase())) return false;
    problems.push(`${key}: must be true or false, got "${text}"`);
    return fallback;
  };
  const timing = env.FAKE_CHATWOOT_WEBHOOK_TIMING ?? 'after_response';
  if (timing !== 'after_response' && timing !== 'before_response') {
    problems.push(`FAKE_CHATWOOT_WEBHOOK_TIMING: must be after_response or before_response, got "${timing}"`);
  }
  const redirect = int('FAKE_CHATWOOT_REDIRECT_STATUS', 302);
  if (![301, 302, 303, 307, 308].includes(redirect)) problems.push(`FAKE_CHATWOOT_REDIRECT_STATUS: must be 301, 302, 303, 307 or 308, got ${redirect}`);
  return {
    webhook_timing: timing === 'before_response' ? 'before_response' : 'after_response',
    webhook_timeout_ms: int('WEBHOOK_TIMEOUT', 5) * 1000,
    webhook_duplicates: 0,
    webhook_duplicate_same_delivery_id: false,
    allow_private_network: bool('SAFE_FETCH_ALLOW_PRIVATE_NETWORK', false),
    redirect_status: ([301, 302, 303, 307, 308].includes(redirect) ? redirect : 302) as Knobs['redirect_status'],
    redirect_target: 'same_host',
    blobs_missing: false,
    storage_url_ttl_ms: 5 * 60_000,
    flood_limit: int('CONVERSATION_MESSAGE_PER_MINUTE_LIMIT', 200),
    flood_window_ms: 60_000,
    rate_limit_enabled: bool('ENABLE_RACK_ATTACK', true),
    rate_limit: int('RACK_ATTACK_LIMIT', 3000),
    rate_limit_period_ms: 60_000,
    contact_search_limit: int('RATE_LIMIT_CONTACT_SEARCH', 100),
    rate_limit_allowed_ips: (env.RACK_ATTACK_ALLOWED_IPS ?? '').split(',').map((ip) => ip.trim()).filter((ip) => ip !== ''),
    rate_limit_loopback: bool('FAKE_CHATWOOT_RATE_LIMIT_LOOPBACK', false),
    rate_limit_retry_after: false,
  };
}

/** The knobs in force; `/_fake/reset` puts the start values back. */
export class KnobStore {
  current: Knobs;

  constructor(private readonly initial: Knobs) {
    this.current = { ...initial };
  }

  patch(patch: KnobsPatch): Knobs {
    this.current = { ...this.current, ...patch };
    return this.current;
  }

  reset(): void {
    this.current = { ...this.initial };
  }
}
