/** What the control API reaches into: the services plus the test machinery (logs, knobs, faults, outage). */
import type { Services } from '../app.js';
import type { Seed } from '../config/seed.js';
import type { DeliveryLog, DeliveryRecord } from '../events/delivery-log.js';
import type { Dispatcher } from '../events/dispatcher.js';
import type { Tx } from '../events/domain-event.js';
import type { Faults } from '../http/faults.js';
import type { Outage } from '../http/outage.js';
import type { RateLimiter } from '../http/rate-limit.js';
import type { RequestLog } from '../http/request-log.js';
import type { RouteSpec } from '../http/router.js';

export interface Addresses {
  readonly api: string;
  readonly control: string;
  readonly storage: string;
  readonly frontend: string;
}

export interface ControlDeps {
  readonly services: Services;
  readonly dispatcher: Dispatcher;
  readonly deliveries: DeliveryLog;
  readonly requests: RequestLog;
  readonly faults: Faults;
  readonly outage: () => Outage;
  readonly limiter: RateLimiter;
  readonly seed: Seed;
  /** The API route table (ids for faults, and for tests that walk every route). */
  readonly routes: () => readonly RouteSpec[];
  readonly addresses: () => Addresses;
}

/** Saves the state, then delivers the request's events and waits for every attempt (the answer lists them). */
export async function commit(deps: ControlDeps, tx: Tx): Promise<DeliveryRecord[]> {
  deps.services.store.save();
  return deps.dispatcher.deliver(tx.events);
}
