/**
 * A number's store identity: role and schema `wa_<id>`, where the id comes only from a canonical number key
 * (digits, or a pending id of lower-case letters and digits). Nothing else reaches SQL as an identifier, and what
 * does is quoted anyway.
 */
import { isPendingId, parseNumberKey } from '../../domain/number-key.js';
import { SessionStoreError } from './errors.js';

const ROLE = /^wa_(?:[0-9]{8,15}|pending_[a-z0-9]{12})$/;

/** `5511999999999` → `wa_5511999999999`; `pending-abc…` → `wa_pending_abc…`. Anything not canonical is refused. */
export function storeRoleOf(numberKey: string): string {
  if (typeof numberKey !== 'string' || parseNumberKey(numberKey) !== numberKey) {
    throw new SessionStoreError('STORE_KEY_INVALID', 'number key must be a canonical phone number (digits) or pending id');
  }
  const role = isPendingId(numberKey) ? `wa_pending_${numberKey.slice('pending-'.length)}` : `wa_${numberKey}`;
  if (!ROLE.test(role)) throw new SessionStoreError('STORE_KEY_INVALID', 'number key does not give a valid store name');
  return role;
}

/** A quoted identifier; only ever given names made by storeRoleOf, checked again here. */
export function quoteIdent(name: string): string {
  if (!ROLE.test(name)) throw new SessionStoreError('STORE_KEY_INVALID', 'refusing to quote an identifier that is no store name');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SCRAM verifier as a string literal (utility statements take no parameters); its alphabet is checked first. */
export function quoteVerifier(verifier: string): string {
  if (!/^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/.test(verifier)) {
    throw new Error('not a SCRAM-SHA-256 verifier');
  }
  return `'${verifier}'`;
}
