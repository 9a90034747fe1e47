import type { DeviceReader } from '../db/ports/devices.js';
import type { DeliveryScope } from '../db/schema.js';
import { acceptsEvent } from './event-filter.js';

export interface GlobalWebhook {
  readonly url: string | undefined;
  readonly secret: string | undefined;
  readonly events: readonly string[] | null;
}

/** How a delivery is signed at attempt time; `outwardOnly`: its target may only resolve to public addresses. */
export interface Signer {
  readonly secret: string | null;
  readonly outwardOnly: boolean;
}

/** The signer of a number's deliveries in a scope another component plans (null: the target is gone). */
export type ScopeSigner = (phoneNumber: string) => Signer | null;

export interface Target {
  readonly endpoint: string;
  readonly scope: DeliveryScope;
}

/** Where a number's events go (its own webhook and the global one), and which secret signs them now. */
export class WebhookTargets {
  private readonly others = new Map<DeliveryScope, ScopeSigner>();

  constructor(
    private readonly devices: Pick<DeviceReader, 'get'>,
    private readonly global: GlobalWebhook,
    /** Whether a user is an administrator (who may aim a number's webhook inside the network). */
    private readonly isAdmin: (userId: number) => boolean,
  ) {}

  forEvent(phoneNumber: string, type: string): Target[] {
    const targets: Target[] = [];
    const row = this.devices.get(phoneNumber);
    if (row?.webhookUrl && acceptsEvent(row.webhookEvents, type)) targets.push({ endpoint: row.webhookUrl, scope: 'device' });
    if (this.global.url && acceptsEvent(this.global.events, type)) targets.push({ endpoint: this.global.url, scope: 'global' });
    return targets;
  }

  /**
   * The secret to sign with at attempt time (so a rotated secret applies to the backlog); `secret: null` =
   * unsigned. null = the target is gone (number unregistered, global webhook removed): nothing to send.
   * `outwardOnly`: the number belongs to a tenant, so its webhook may only reach public addresses.
   */
  signer(scope: DeliveryScope, phoneNumber: string): Signer | null {
    const other = this.others.get(scope);
    if (other) return other(phoneNumber);
    if (scope === 'global') return this.global.url ? { secret: this.global.secret ?? null, outwardOnly: false } : null;
    const row = this.devices.get(phoneNumber);
    if (!row) return null;
    return { secret: row.webhookSecret, outwardOnly: row.ownerId !== null && !this.isAdmin(row.ownerId) };
  }

  /** Deliveries of `scope` are planned by another component (the compat layer's Flask webhook), which signs them. */
  addScope(scope: Exclude<DeliveryScope, 'device' | 'global'>, signer: ScopeSigner): void {
    this.others.set(scope, signer);
  }
}
