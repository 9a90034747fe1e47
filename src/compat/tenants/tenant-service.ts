import { isUniqueViolation } from '../../db/unique.js';
import type { CompatTenantRow, EmpresaIdType } from '../../db/schema.js';
import { GatewayError } from '../../domain/errors.js';
import type { Clock } from '../../lib/clock.js';
import { KeyedLock } from '../../lib/keyed-lock.js';
import type { Logger } from '../../lib/logger.js';
import type { AnyOutbox } from '../../messaging/outbox.js';
import { recipientJid } from '../../messaging/recipient.js';
import type { QrCode, QrService } from '../../qr/qr-service.js';
import type { Supervisor } from '../../supervisor/supervisor.js';
import { compatErrors } from '../errors.js';
import type { LiveQrCodes } from './live-qr.js';
import type { TenantDirectory } from './tenant-directory.js';
import { parseSendBody, type NewTenantInput } from './tenant-input.js';
import { isConnected, tenantStatus, type NumberNow, type TenantStatus } from './tenant-status.js';

/**
 * Who calls, as the layer needs to know it: the account that owns what it creates, whether it is an
 * administrator, and the access policy's answer for one number (a tenant whose number it may not use is unknown
 * to it). Built by the HTTP side from the request's principal.
 */
export interface CompatCaller {
  readonly ownerId: number | null;
  readonly admin: boolean;
  may(phoneNumber: string): boolean;
}

export interface TenantSettings {
  /** LEGACY_TENANT_AUTO_CREATE: an unknown id on send, status, QR and connect routes creates a pending tenant. */
  readonly autoCreate: boolean;
  /** COMPAT_QUEUE_WHILE_DISCONNECTED: a send to a tenant that is not connected is queued instead of refused. */
  readonly queueWhileDisconnected: boolean;
  /** CRASH_LOOP_MAX: `maxReconnectAttempts` of the status (the gateway enforces it). */
  readonly maxReconnectAttempts: number;
  /** COMPAT_EMPRESA_ID_TYPE. */
  readonly empresaIdType: EmpresaIdType;
}

export interface TenantServiceDeps {
  /** Every tenant in memory, written through to the store. */
  readonly tenants: TenantDirectory;
  readonly supervisor: Supervisor;
  readonly qr: Pick<QrService, 'qr'>;
  readonly liveQr: LiveQrCodes;
  readonly outbox: Pick<AnyOutbox, 'accept'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: TenantSettings;
}

/** Longest wait for a (re)starting process before asking it for a QR code (the route's own wait is shorter). */
const QR_START_WAIT_MS = 60_000;

export type QrAnswer = { readonly connected: true } | { readonly connected: false; readonly text: string; readonly image: string; readonly expiresAt: string };

/**
 * The legacy tenants as numbers of the gateway: a tenant id names one number (pending until a phone pairs), and
 * each legacy operation is the gateway's own (the supervisor for processes and sessions, the QR service, the
 * outbox). Nothing is created for an unknown id unless LEGACY_TENANT_AUTO_CREATE asks for the legacy habit.
 */
export class TenantService {
  /** Create and remove of one tenant id never overlap. */
  private readonly locks = new KeyedLock();
  private readonly offs: (() => void)[];

  constructor(private readonly deps: TenantServiceDeps) {
    this.offs = [
      // A number unregistered by any route takes its tenant with it.
      deps.supervisor.events.on('removed', ({ phoneNumber }) => {
        deps.tenants.forgetNumber(phoneNumber).catch((err: unknown) => deps.logger.error({ err, phoneNumber }, 'the tenant of an unregistered number could not be removed'));
      }),
      deps.supervisor.events.on('bound', ({ phoneNumber, pendingId }) => deps.tenants.renamed(pendingId, phoneNumber)),
    ];
  }

  get settings(): TenantSettings {
    return this.deps.settings;
  }

  /** The caller's tenants, oldest first. */
  list(caller: CompatCaller): CompatTenantRow[] {
    return this.deps.tenants.list().filter((row) => caller.may(row.phoneNumber) && this.deps.supervisor.runner(row.phoneNumber));
  }

  /** The tenant, or (with `create` on a route the legacy server auto-created from, and the flag on) a new pending one. */
  async find(caller: CompatCaller, tenantId: string, options: { create?: boolean } = {}): Promise<CompatTenantRow> {
    const row = this.deps.tenants.get(tenantId);
    if (row && caller.may(row.phoneNumber) && this.deps.supervisor.runner(row.phoneNumber)) return row;
    if (!row && options.create && this.deps.settings.autoCreate) {
      return this.create(caller, { tenantId, phone: null, flaskUrl: null, empresaIdType: null }).catch((err: unknown) => {
        // Two requests auto-creating the same id at once: the second finds the first's.
        const again = this.deps.tenants.get(tenantId);
        if (again && caller.may(again.phoneNumber)) return again;
        throw err;
      });
    }
    throw compatErrors.tenantNotFound(tenantId);
  }

  /** A tenant and its number (started at once, as the legacy server started a socket); nothing is left if any step fails. */
  create(caller: CompatCaller, input: NewTenantInput): Promise<CompatTenantRow> {
    return this.locks.run(input.tenantId, async () => {
      const { tenants, supervisor } = this.deps;
      if (tenants.get(input.tenantId)) throw compatErrors.tenantExists(input.tenantId);
      const device = { name: `tenant ${input.tenantId}`, ownerId: caller.ownerId, webhookUrl: null, webhookSecret: null, webhookEvents: null };
      let number: string;
      try {
        number = input.phone
          ? (await supervisor.register({ ...device, phoneNumber: input.phone }, true)).phoneNumber
          : (await supervisor.registerPending(device, true)).phoneNumber;
      } catch (err) {
        if (err instanceof GatewayError && err.code === 'DEVICE_EXISTS' && input.phone) throw compatErrors.phoneTaken(input.phone);
        throw err;
      }
      try {
        const row = await tenants.insert({ tenantId: input.tenantId, phoneNumber: number, flaskUrl: input.flaskUrl, empresaIdType: input.empresaIdType });
        this.deps.logger.info({ tenantId: input.tenantId, phoneNumber: number }, 'legacy tenant created');
        return row;
      } catch (err) {
        await supervisor.remove(number, true).catch((cleanup: unknown) => this.deps.logger.error({ err: cleanup, phoneNumber: number }, 'could not undo a half-created tenant'));
        // Another gateway created the same id meanwhile: the same answer as for one known here.
        if (isUniqueViolation(err)) {
          await tenants.refresh(input.tenantId);
          if (tenants.get(input.tenantId)) throw compatErrors.tenantExists(input.tenantId);
        }
        throw err;
      }
    });
  }

  status(row: CompatTenantRow): TenantStatus {
    return tenantStatus(row.tenantId, this.now(row.phoneNumber), this.deps.settings.maxReconnectAttempts);
  }

  connected(row: CompatTenantRow): boolean {
    return isConnected(this.now(row.phoneNumber));
  }

  /**
   * The legacy send `{phone, message}` into the durable outbox. A tenant that is not connected is refused as the
   * legacy server refused it, unless COMPAT_QUEUE_WHILE_DISCONNECTED (then it waits in the outbox, up to its TTL).
   */
  async send(row: CompatTenantRow, body: unknown, idempotencyKey: string | null): Promise<{ messageId: string; status: string; created: boolean }> {
    const { recipient, message } = parseSendBody(body, recipientJid);
    if (!this.deps.settings.queueWhileDisconnected && !this.connected(row)) throw compatErrors.notConnected();
    const { row: accepted, created } = await this.deps.outbox.accept({ phoneNumber: row.phoneNumber, recipient, kind: 'text', content: { message }, idempotencyKey });
    return { messageId: accepted.id, status: accepted.status, created };
  }

  /**
   * The QR code to scan, as its raw text (what the legacy server gave Flask) and as an image. A stopped number is
   * started first. Waits at most `waitMs` (the legacy routes' own waits), then QR_TIMEOUT.
   */
  async qr(row: CompatTenantRow, waitMs: number): Promise<QrAnswer> {
    const phone = row.phoneNumber;
    if (this.connected(row)) return { connected: true };
    const runner = this.deps.supervisor.runner(phone);
    if (runner && runner.state !== 'running' && runner.state !== 'starting') await this.deps.supervisor.start(phone);
    let code: QrCode;
    try {
      code = await this.withinMs(this.fetchQr(phone), waitMs);
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'ALREADY_LOGGED_IN') return { connected: true };
      if (err instanceof GatewayError && (err.code === 'QR_TIMEOUT' || err.code === 'DEVICE_NOT_RUNNING')) throw compatErrors.qrTimeout();
      throw err;
    }
    const text = this.deps.liveQr.textOf(phone, code.qrCode);
    if (!text) throw new GatewayError('CHILD_ERROR', 'o QR code gerado não pôde ser lido');
    return { connected: false, text, image: code.qrCode, expiresAt: code.expiresAt };
  }

  /** `connected`: nothing to do; `started`: the process runs (started now if it was not) and shows a QR code. */
  async connect(row: CompatTenantRow): Promise<'connected' | 'started'> {
    if (this.connected(row)) return 'connected';
    const runner = this.deps.supervisor.runner(row.phoneNumber);
    if (runner && runner.state !== 'running' && runner.state !== 'starting') await this.deps.supervisor.start(row.phoneNumber);
    return 'started';
  }

  /** Log the number out of WhatsApp (the phone's linked device goes); the tenant stays, ready for a new QR code. */
  async disconnect(row: CompatTenantRow): Promise<void> {
    const runner = this.deps.supervisor.runner(row.phoneNumber);
    if (runner?.state === 'running' && runner.session !== 'logged_out' && runner.session !== 'not_logged_in') await this.deps.supervisor.logout(row.phoneNumber);
  }

  /** Log out, then unregister the number (its folder is set aside in sessions/.deleted/) and forget the tenant. */
  remove(row: CompatTenantRow): Promise<void> {
    return this.locks.run(row.tenantId, async () => {
      await this.disconnect(row).catch((err: unknown) => this.deps.logger.warn({ tenantId: row.tenantId, err: (err as Error).message }, 'logout before removing a tenant failed'));
      await this.deps.supervisor.remove(row.phoneNumber, false);
      await this.deps.tenants.delete(row.tenantId);
    });
  }

  /** A supervisor restart of the number's process: the WhatsApp session is kept (no new QR code). */
  async restart(row: CompatTenantRow): Promise<void> {
    await this.deps.supervisor.restart(row.phoneNumber);
  }

  /** Stop every process of the caller's tenants, keeping their sessions; how many were running. */
  async stopAll(caller: CompatCaller): Promise<number> {
    let stopped = 0;
    for (const row of this.list(caller)) {
      const state = this.deps.supervisor.runner(row.phoneNumber)?.state;
      if (state === undefined || state === 'stopped') continue;
      await this.deps.supervisor.stop(row.phoneNumber);
      stopped++;
    }
    return stopped;
  }

  close(): void {
    for (const off of this.offs) off();
  }

  /** A number that is (re)starting is waited for: its QR code comes once its process answers. */
  private async fetchQr(phone: string): Promise<QrCode> {
    const state = this.deps.supervisor.runner(phone)?.state;
    if (state === 'starting' || state === 'backoff') {
      await new Promise<void>((resolve) => {
        const off = this.deps.supervisor.events.on('state', ({ phoneNumber, to }) => {
          if (phoneNumber !== phone || to === 'starting' || to === 'backoff') return;
          off();
          resolve();
        });
        const timer = this.deps.clock.setTimeout(() => {
          off();
          resolve();
        }, QR_START_WAIT_MS);
        timer.unref();
      });
    }
    return this.deps.qr.qr(phone);
  }

  /** The child's login call goes on in the background (its code is cached for the next ask). */
  private withinMs<T>(work: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.deps.clock.setTimeout(() => reject(compatErrors.qrTimeout()), ms);
      work.then(
        (value) => {
          this.deps.clock.clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          this.deps.clock.clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  private now(phoneNumber: string): NumberNow {
    const runner = this.deps.supervisor.runner(phoneNumber);
    const row = this.deps.supervisor.row(phoneNumber);
    return { row, state: runner?.state ?? row.state, session: runner?.session ?? row.sessionState, qrLive: this.deps.liveQr.isLive(phoneNumber) };
  }
}
