import { GatewayError, ValidationError, type ErrorCode } from '../../domain/errors.js';
import { CompatError } from '../errors.js';

/**
 * Each legacy route's own wording: the error its 500 (and most of its other failures) names, and the 400 message
 * when the legacy server had one. Flask may match these strings: they are the legacy server's, byte for byte.
 */
export interface LegacyRoute {
  /** Audit action (`compat.send`). */
  readonly action: string;
  /** `{error: failure, details}` of the legacy 500. */
  readonly failure: string;
  /** The legacy 400 `{error}` of a bad body, for the fields the legacy server checked; others answer `{error: failure, details}`. */
  readonly invalid?: { readonly error: string; readonly fields: readonly string[] };
  /** The QR routes' answers when no code came in time. */
  readonly qrTimeout?: { readonly status: number; readonly body: Record<string, unknown> };
}

export const ROUTES = {
  send: { action: 'compat.send', failure: 'Erro ao enviar mensagem', invalid: { error: 'Telefone e mensagem são obrigatórios', fields: ['phone', 'message'] } },
  listTenants: { action: 'compat.tenants.list', failure: 'Erro ao listar tenants' },
  createTenant: { action: 'compat.tenants.create', failure: 'Erro ao criar tenant', invalid: { error: 'tenantId é obrigatório', fields: ['tenantId'] } },
  tenantQr: {
    action: 'compat.qr',
    failure: 'Erro ao obter QR code',
    qrTimeout: { status: 503, body: { success: false, error: 'Não foi possível gerar QR code. Tente novamente.' } },
  },
  qr: {
    action: 'compat.qr',
    failure: 'Erro ao obter QR code',
    qrTimeout: { status: 408, body: { success: false, error: 'Timeout ao gerar QR code. Tente novamente.', timeout: true } },
  },
  tenantStatus: { action: 'compat.tenants.status', failure: 'Erro ao obter status do tenant' },
  deleteTenant: { action: 'compat.tenants.delete', failure: 'Erro ao desconectar tenant' },
  connect: { action: 'compat.connect', failure: 'Erro ao conectar empresa' },
  disconnect: { action: 'compat.disconnect', failure: 'Erro ao desconectar empresa' },
  status: { action: 'compat.status', failure: 'Erro ao obter status geral' },
  clearAll: { action: 'compat.clear_all', failure: 'Erro ao limpar conexões' },
  restart: { action: 'compat.restart', failure: 'Erro ao reinicializar empresa' },
  health: { action: 'compat.health', failure: 'Erro interno do servidor' },
  relay: { action: 'compat.relay', failure: 'Erro interno do servidor', invalid: { error: 'Dados inválidos', fields: ['phone', 'message', 'empresa_id'] } },
} as const satisfies Record<string, LegacyRoute>;

export interface LegacyAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** For the audit row. */
  readonly code: string;
  readonly denied: boolean;
}

/** Refusals of the gateway's own that the legacy server never gave (it had no authentication). */
export const UNAUTHORIZED_BODY = { success: false, error: 'Não autorizado', details: 'envie uma chave de API com o escopo compat (Authorization: Bearer ou X-Internal-Secret)' };

/** Gateway errors whose status is the caller's business (capacity, rate limit, shutdown) keep it; the rest are the legacy 500. */
const KEEP_STATUS: ReadonlySet<ErrorCode> = new Set(['MAX_PROCESSES_REACHED', 'RATE_LIMITED', 'SHUTTING_DOWN', 'PAYLOAD_TOO_LARGE', 'UNAUTHORIZED', 'FORBIDDEN', 'DEVICE_BUSY', 'PORT_POOL_EXHAUSTED']);

/**
 * An error as the legacy server would have answered it on this route: its status codes and keys, our reason in
 * `details` (and the field at fault in `field`). `statusOf` is the gateway's code → status table.
 */
export function legacyAnswer(route: LegacyRoute, err: unknown, statusOf: (code: ErrorCode) => number): LegacyAnswer {
  if (err instanceof CompatError) {
    switch (err.code) {
      case 'TENANT_NOT_FOUND':
        return { status: 404, body: { success: false, error: 'Tenant não encontrado' }, code: err.code, denied: false };
      case 'TENANT_EXISTS':
      case 'NOT_CONNECTED':
        return { status: 500, body: { error: route.failure, details: err.message }, code: err.code, denied: false };
      case 'QR_TIMEOUT':
        return route.qrTimeout ? { ...route.qrTimeout, code: err.code, denied: false } : { status: 500, body: { error: route.failure, details: err.message }, code: err.code, denied: false };
      case 'INVALID':
        return {
          status: 400,
          body: { error: err.field && route.invalid?.fields.includes(err.field) ? route.invalid.error : route.failure, details: err.message, ...(err.field ? { field: err.field } : {}) },
          code: err.code,
          denied: false,
        };
      case 'PHONE_TAKEN':
        return { status: 409, body: { error: route.failure, details: err.message, field: 'phone' }, code: err.code, denied: false };
      case 'CONFIRMATION_REQUIRED':
        return { status: 400, body: { error: route.failure, details: err.message, field: 'confirm' }, code: err.code, denied: false };
      case 'FORBIDDEN':
        return { status: 403, body: { success: false, error: 'Acesso negado', details: err.message }, code: err.code, denied: true };
    }
  }
  if (err instanceof ValidationError) {
    const field = err.issues[0]?.field;
    const error = field && route.invalid?.fields.includes(field) ? route.invalid.error : route.failure;
    return { status: 400, body: { error, details: err.issues.map((i) => `${i.field}: ${i.message}`).join('; '), ...(field ? { field } : {}) }, code: err.code, denied: false };
  }
  if (err instanceof GatewayError) {
    if (err.code === 'UNAUTHORIZED') return { status: 401, body: UNAUTHORIZED_BODY, code: err.code, denied: true };
    if (err.code === 'FORBIDDEN') return { status: 403, body: { success: false, error: 'Acesso negado', details: err.message }, code: err.code, denied: true };
    const status = KEEP_STATUS.has(err.code) ? statusOf(err.code) : 500;
    return { status, body: { error: route.failure, details: err.message }, code: err.code, denied: false };
  }
  const framework = frameworkError(err);
  if (framework) return { status: framework.status, body: { error: route.invalid?.error ?? route.failure, details: framework.details }, code: 'MALFORMED_BODY', denied: false };
  return { status: 500, body: { error: route.failure, details: 'erro interno (veja o log do gateway)' }, code: 'INTERNAL', denied: false };
}

/** body-parser's failures (bad JSON, too large), without echoing the input. */
function frameworkError(err: unknown): { status: number; details: string } | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { type?: string; limit?: number };
  if (e.type === 'entity.parse.failed') return { status: 400, details: 'o corpo da requisição não é um JSON válido' };
  if (e.type === 'entity.too.large') return { status: 413, details: `o corpo da requisição passa do limite de ${e.limit ?? '?'} bytes` };
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return { status: 400, details: 'codificação do corpo não suportada' };
  return null;
}
