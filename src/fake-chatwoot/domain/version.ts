/**
 * The Chatwoot version the fake claims (`GET /api` reports it) and what that version changes on the wire:
 * webhook signing (account webhooks since 4.11.2, API inboxes since 4.13.0), SafeFetch (4.14.0), the
 * message-status route (4.2.0) and the webhook content normaliser (4.13.0 / 4.14.2).
 */
export interface Version {
  readonly text: string;
  readonly parts: readonly [number, number, number];
}

export function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  return { text: `${match[1]}.${match[2]}.${match[3]}`, parts: [Number(match[1]), Number(match[2]), Number(match[3])] };
}

export function atLeast(version: Version, minimum: string): boolean {
  const min = parseVersion(minimum);
  if (!min) throw new Error(`bad version literal ${minimum}`);
  for (let i = 0; i < 3; i++) {
    const a = version.parts[i] ?? 0;
    const b = min.parts[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

export interface Features {
  /** `X-Chatwoot-Delivery` on every delivery, signatures for account webhooks (PR #13573). */
  readonly accountWebhookSigning: boolean;
  /** API-inbox deliveries signed with `channel_api.secret`, `secret` in the inbox JSON, reset_secret (PR #13892). */
  readonly inboxWebhookSigning: boolean;
  /** Deliveries to private or loopback addresses are refused by SafeFetch (PR #14155). */
  readonly safeFetch: boolean;
  /** `SAFE_FETCH_ALLOW_PRIVATE_NETWORK` exists (PR #14548). */
  readonly privateNetworkSwitch: boolean;
  /** `PATCH …/messages/:id` with a status (PR #11387). */
  readonly messageStatusUpdate: boolean;
  /** Webhook content: `\`-newline hard breaks stripped (#13950). */
  readonly stripHardBreaks: boolean;
  /** Webhook content: trailing newlines stripped (#14272). */
  readonly stripTrailingNewlines: boolean;
}

export function featuresOf(version: Version): Features {
  return {
    accountWebhookSigning: atLeast(version, '4.11.2'),
    inboxWebhookSigning: atLeast(version, '4.13.0'),
    safeFetch: atLeast(version, '4.14.0'),
    privateNetworkSwitch: atLeast(version, '4.14.1'),
    messageStatusUpdate: atLeast(version, '4.2.0'),
    stripHardBreaks: atLeast(version, '4.13.0'),
    stripTrailingNewlines: atLeast(version, '4.14.2'),
  };
}
