import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const flag = (def: boolean) =>
  z
    .enum(['true', 'false', 'on', 'off', '1', '0'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === 'on' || v === '1');
const optionalString = <T extends z.ZodType<string>>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(1024);

/**
 * The compatibility layer's keys (src/compat/, docs/compat.md): the legacy tenant API of the Flask back end and its
 * webhook. Spread into the gateway's env schema.
 */
export const compatEnv = {
  /** `on`: serve the legacy tenant API (`/tenants`, `/send/{id}`, `/status`, `/health` …); off by default. */
  LEGACY_TENANT_API: z.enum(['on', 'off']).default('off'),
  /** Where the legacy API is mounted: unset = at the root (drop-in), or a prefix such as `/compat/v1`. */
  LEGACY_TENANT_API_PREFIX: optionalString(z.string().regex(/^(\/[A-Za-z0-9._-]+)+$/, 'a path such as /compat/v1 (no trailing slash)').max(100)),
  /** The legacy server's habit of creating a tenant for any unknown id a route names (off: 404 `Tenant não encontrado`). */
  LEGACY_TENANT_AUTO_CREATE: flag(false),
  /** Accept (202-style, queued) a send to a tenant that is not connected, instead of the legacy 500. */
  COMPAT_QUEUE_WHILE_DISCONNECTED: flag(false),
  /** Client addresses (CIDR, comma-separated) that may call the legacy API without a key; empty = a key is always needed. */
  COMPAT_ALLOW: z.string().default('127.0.0.1/32,::1/128'),
  /** The account an allow-listed caller without a key acts as (audit, ownership); default: DEFAULT_ADMIN_USER. */
  COMPAT_ALLOW_AS: optionalString(z.string().min(1).max(64)),
  /** The Flask back end (`http://127.0.0.1:5000`): incoming texts go to `{FLASK_URL}/webhook/whatsapp` (a tenant may give its own). */
  FLASK_URL: optionalString(httpUrl),
  /** Signs the Flask webhooks (X-Hub-Signature-256, which Flask may ignore); required in production when FLASK_URL is set. */
  FLASK_WEBHOOK_SECRET: optionalString(z.string().min(8, 'must be at least 8 characters').max(256)),
  /** JSON type of `empresa_id` in the Flask webhook for tenants that do not say (`string`, as the legacy server sent it, or `number`). */
  COMPAT_EMPRESA_ID_TYPE: z.enum(['string', 'number']).default('string'),
  /** Also post group messages to Flask (`phone` = the group's id, `participant` = the sender). */
  FLASK_WEBHOOK_GROUPS: flag(false),
  /** Also post images, audio, video and documents (`message_type` imagem/audio/video/documento, `media_url`, `media_filename`). */
  FLASK_WEBHOOK_MEDIA: flag(false),
};

/** The entries of COMPAT_ALLOW (empty entries dropped). */
export function compatAllowList(value: string): string[] {
  return value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}

export function compatCrossCheck(env: { NODE_ENV?: string; FLASK_URL?: string | undefined; FLASK_WEBHOOK_SECRET?: string | undefined; COMPAT_ALLOW?: string }): string[] {
  const problems: string[] = [];
  if (env.NODE_ENV === 'production' && env.FLASK_URL && !env.FLASK_WEBHOOK_SECRET) {
    problems.push('FLASK_WEBHOOK_SECRET: production needs a secret to sign the webhooks sent to FLASK_URL');
  }
  for (const entry of compatAllowList(env.COMPAT_ALLOW ?? '')) {
    const valid = entry.includes('/') ? ipaddr.isValidCIDR(entry) : ipaddr.isValid(entry);
    if (!valid) problems.push(`COMPAT_ALLOW: ${entry.slice(0, 60)} is not an IP address or CIDR range`);
  }
  return problems;
}
