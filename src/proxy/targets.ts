import type { AccessPolicy } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import { errors, GatewayError } from '../domain/errors.js';
import { parseNumberKey } from '../domain/number-key.js';
import { parsePhoneNumber } from '../domain/phone.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { permissionForKey, routeKey, type ProxyPermission } from './permissions.js';

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
  /** The route the child will match (routeKey of childPath), computed once per call. */
  readonly route: string;
  /** What the call needed (checked): for the audit trail. */
  readonly permission: ProxyPermission;
}

const PHONE_SEGMENT = /^(\+?[0-9]{8,15}|pending-[a-z0-9]{12})$/;

/**
 * Which number a proxied request is for: `/proxy/whatsapp/{phone}/<path>`, or `/proxy/whatsapp/<path>` with an
 * `X-Phone-Number` header, or, with neither, the caller's only number. No child path starts with a phone number,
 * so the two URL forms cannot be confused. The child path decides the scope the call needs (permissions.ts).
 */
export class ProxyTargets {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly policy: AccessPolicy,
  ) {}

  /** `rest`: the raw path after `/proxy/whatsapp`; `search`: the raw query string including `?`, or ''. */
  /** `onNumber`: told the number before it is checked, so a refusal can name it (in the audit log only). */
  resolve(principal: Principal, method: string, rest: string, search: string, phoneHeader: string | undefined, onNumber?: (phone: string) => void): ProxyTarget {
    const path = rest.startsWith('/') ? rest : `/${rest}`;
    const first = path.split('/')[1] ?? '';
    let phone = '';
    let childPath: string;
    if (PHONE_SEGMENT.test(first)) {
      phone = parseNumberKey(first) ?? first;
      childPath = path.slice(first.length + 1) || '/';
    } else {
      childPath = path;
    }
    const route = routeKey(childPath);
    const permission = permissionForKey(method, route);
    if (!PHONE_SEGMENT.test(first)) phone = this.implicitNumber(principal, permission, phoneHeader);
    onNumber?.(phone);
    this.policy.require(principal, permission.scope, phone, permission.level);
    const runner = this.supervisor.runner(phone);
    const client = runner?.state === 'running' ? runner.client : null;
    if (!runner || !client) {
      const state = runner?.state ?? 'stopped';
      throw errors.deviceNotRunning(phone, state);
    }
    return { phoneNumber: phone, deviceId: client.endpoint.deviceId, port: client.endpoint.port, authorization: client.authorization, childPath: `${childPath}${search}`, route, permission };
  }

  private implicitNumber(principal: Principal, permission: ProxyPermission, header: string | undefined): string {
    if (header !== undefined && header !== '') {
      const phone = parsePhoneNumber(header);
      if (!phone) throw new GatewayError('VALIDATION_FAILED', 'X-Phone-Number must be a phone number (digits only, 8 to 15)', { fields: [{ field: 'X-Phone-Number', message: 'must be a phone number' }] });
      return phone;
    }
    const mine = this.policy.visible(principal, permission.scope, permission.level);
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
 * What the gateway does with a proxied call, by the route the child will match:
 * - `managed`: refused. Creating, deleting or logging in other slots, or redirecting a slot's webhooks, would cut
 *   the gateway off from the number; reading the number's own slot stays open.
 * - `send`: `/send/*` waits its turn in the number's queue, like the outbox's own sends.
 * - `login`: the answer carries a `qr_link` to rewrite (docs/binary-contract.md §7).
 */
export type ProxyRoute = 'managed' | 'send' | 'login' | 'other';

export function proxyRoute(method: string, childPath: string, phoneNumber: string, key = routeKey(childPath)): ProxyRoute {
  const path = key;
  if (path === '/devices' || path.startsWith('/devices/')) {
    if (method !== 'GET' && method !== 'HEAD') return 'managed';
    return path === '/devices' || path === `/devices/${phoneNumber}` || path === `/devices/${phoneNumber}/status` ? 'other' : 'managed';
  }
  if (method === 'POST' && path.startsWith('/send/')) return 'send';
  if (method === 'GET' && path === '/app/login') return 'login';
  return 'other';
}
