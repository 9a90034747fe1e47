/**
 * What can go wrong in the compatibility layer, as codes. The legacy router turns each into the legacy server's
 * status and body (legacy/answers.ts); `message` is the Portuguese `details` the legacy server would have given
 * where it had one, otherwise ours.
 */
export type CompatErrorCode =
  /** Unknown tenant id (or one the caller may not use): 404 `{success:false, error:'Tenant não encontrado'}`. */
  | 'TENANT_NOT_FOUND'
  /** `POST /tenants` with an id that exists: the legacy 500 `Tenant X já existe`. */
  | 'TENANT_EXISTS'
  /** A send to a tenant whose WhatsApp is not connected: the legacy 500 `Tenant não está conectado`. */
  | 'NOT_CONNECTED'
  /** No QR code in the time the legacy route waited: 503 (`/tenants/{id}/qr`) or 408 (`/qr/{id}`). */
  | 'QR_TIMEOUT'
  /** The caller's fault: a 400 with the route's legacy message and the field. */
  | 'INVALID'
  /** The phone given for a new tenant is a number of this gateway already. */
  | 'PHONE_TAKEN'
  /** `/clear-all` without `?confirm=<tenant count>`. */
  | 'CONFIRMATION_REQUIRED'
  /** Not for this caller (`/clear-all` is for administrators). */
  | 'FORBIDDEN';

export class CompatError extends Error {
  constructor(
    readonly code: CompatErrorCode,
    message: string,
    /** The request field at fault (INVALID). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CompatError';
  }
}

export const compatErrors = {
  tenantNotFound: (tenantId: string) => new CompatError('TENANT_NOT_FOUND', `Tenant ${tenantId} não encontrado`),
  tenantExists: (tenantId: string) => new CompatError('TENANT_EXISTS', `Tenant ${tenantId} já existe`),
  notConnected: () => new CompatError('NOT_CONNECTED', 'Tenant não está conectado'),
  qrTimeout: () => new CompatError('QR_TIMEOUT', 'Não foi possível gerar QR code. Tente novamente.'),
  invalid: (field: string, message: string) => new CompatError('INVALID', `${field}: ${message}`, field),
  phoneTaken: (phone: string) => new CompatError('PHONE_TAKEN', `O número ${phone} já está registrado neste gateway`, 'phone'),
  confirmationRequired: (count: number) =>
    new CompatError('CONFIRMATION_REQUIRED', `confirme com ?confirm=${count} (o número de tenants) para desconectar todos`, 'confirm'),
  forbidden: (message: string) => new CompatError('FORBIDDEN', message),
} as const;
