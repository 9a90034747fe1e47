/** Failures of the per-number session stores; internal to the cluster layer (never an HTTP answer by themselves). */
export type SessionStoreErrorCode = 'STORE_KEY_INVALID' | 'STORE_FENCE_INVALID' | 'STORE_FENCE_STALE' | 'STORE_NOT_PROVISIONED' | 'STORE_SECRET_WEAK';

export class SessionStoreError extends Error {
  constructor(
    readonly code: SessionStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SessionStoreError';
  }
}
