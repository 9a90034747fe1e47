import type { AuthUser } from '../auth/tokens.js';
import { errors, GatewayError } from '../domain/errors.js';
import { parseNumberKey } from '../domain/number-key.js';
import { parsePhoneNumber } from '../domain/phone.js';
import type { DeviceAccess } from '../auth/device-access.js';
import type { Supervisor } from '../supervisor/supervisor.js';

export const PROXY_PREFIX = '/proxy/whatsapp';

/** Where one proxied request goes. `authorization` is the child's Basic credential: it never leaves the gateway. */
export interface ProxyTarget {
  readonly phoneNumber: string;
  /** The child's device slot this number uses (`X-Device-Id`). */
  readonly deviceId: string;
  readonly port: number;
  readonly authorization: string;
  /** Path and query on the child, e.g. `/send/message` or `/chat/x/messages?limit=5`. */
  readonly childPath: string;
}

const PHONE_SEGMENT = /^(\+?[0-9]{8,15}|pending-[a-z0-9]{12})$/;

/**
 * Which number a proxied request is for: `/proxy/whatsapp/{phone}/<path>`, or `/proxy/whatsapp/<path>` with an
 * `X-Phone-Number` header, or, with neither, the caller's only number. No child path starts with a phone number,
 * so the two URL forms cannot be confused.
 */
export class ProxyTargets {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly access: DeviceAccess,
  ) {}

  /** `rest`: the raw path after `/proxy/whatsapp`; `search`: the raw query string including `?`, or ''. */
  resolve(user: AuthUser, rest: string, search: string, phoneHeader: string | undefined): ProxyTarget {
    const path = rest.startsWith('/') ? rest : `/${rest}`;
    const first = path.split('/')[1] ?? '';
    let phone: string;
    let childPath: string;
    if (PHONE_SEGMENT.test(first)) {
      phone = parseNumberKey(first) ?? first;
      childPath = path.slice(first.length + 1) || '/';
    } else {
      phone = this.implicitNumber(user, phoneHeader);
      childPath = path;
    }
    this.access.require(user, phone);
    const runner = this.supervisor.runner(phone);
    const client = runner?.state === 'running' ? runner.client : null;
    if (!runner || !client) {
      const state = runner?.state ?? 'stopped';
      throw errors.deviceNotRunning(phone, state);
    }
    return { phoneNumber: phone, deviceId: client.endpoint.deviceId, port: client.endpoint.port, authorization: client.authorization, childPath: `${childPath}${search}` };
  }

  private implicitNumber(user: AuthUser, header: string | undefined): string {
    if (header !== undefined && header !== '') {
      const phone = parsePhoneNumber(header);
      if (!phone) throw new GatewayError('VALIDATION_FAILED', 'X-Phone-Number must be a phone number (digits only, 8 to 15)', { fields: [{ field: 'X-Phone-Number', message: 'must be a phone number' }] });
      return phone;
    }
    const mine = this.access.visible(user);
    const only = mine.length === 1 ? mine[0] : undefined;
    if (only) return only.phoneNumber;
    throw new GatewayError(
      'VALIDATION_FAILED',
      `choose the number: call ${PROXY_PREFIX}/{phoneNumber}/<path>, or send the X-Phone-Number header (you can see ${mine.length} numbers)`,
      { fields: [{ field: 'X-Phone-Number', message: 'required when you can see more than one number' }] },
    );
  }
}

/**
 * The route a child will match: its router ignores case and repeated or trailing slashes (Fiber's defaults),
 * so the guards below compare this form, or `/SEND/message` would slip past the pacing.
 */
export function routeKey(childPath: string): string {
  const path = (childPath.split('?')[0] ?? '').toLowerCase().replace(/\/{2,}/g, '/');
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/**
 * Child routes the gateway manages itself: creating, deleting or logging in other slots, or redirecting a
 * slot's webhooks, would cut the gateway off from the number. Reading the number's own slot stays open.
 */
export function isManagedPath(method: string, childPath: string, phoneNumber: string): boolean {
  const path = routeKey(childPath);
  if (path !== '/devices' && !path.startsWith('/devices/')) return false;
  if (method !== 'GET' && method !== 'HEAD') return true;
  return !(path === '/devices' || path === `/devices/${phoneNumber}` || path === `/devices/${phoneNumber}/status`);
}

/** `/send/*` calls wait their turn in the number's queue, like the outbox's own sends. */
export function isSendPath(method: string, childPath: string): boolean {
  return method === 'POST' && routeKey(childPath).startsWith('/send/');
}

/** Routes whose answer carries a `qr_link` to rewrite (docs/binary-contract.md §7). */
export function isLoginPath(method: string, childPath: string): boolean {
  return method === 'GET' && routeKey(childPath) === '/app/login';
}
