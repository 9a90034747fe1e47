import { useQuery } from '@tanstack/react-query';
import { api } from './api';
import type { Role } from './types';

// The access model is the gateway's own table (pure data, no imports): the page reads the same one the policy does.
import { GRANT_LEVELS, KEY_SCOPES, SCOPE_LEVEL, type GrantLevel, type Scope } from '../../../src/domain/access';

export { GRANT_LEVELS, KEY_SCOPES, type GrantLevel, type Scope };

export interface AccessAnswer {
  readonly principal: { readonly role: Role; readonly userId: number; readonly username: string };
  readonly scopes: readonly Scope[];
  readonly numbers: readonly { readonly phoneNumber: string; readonly level: GrantLevel }[];
  readonly allNumbers: boolean;
}

export interface Access {
  /** GET /api/access has answered: until then `can` says no. */
  readonly ready: boolean;
  /** May use `scope` (on `phone`, at the scope's level or `level`). */
  can(scope: Scope, phone?: string, level?: GrantLevel): boolean;
  levelOf(phone: string): GrantLevel | null;
}

const rank = (level: GrantLevel | null) => (level === null ? -1 : GRANT_LEVELS.indexOf(level));

/**
 * What the signed-in user may do (GET /api/access), so the page shows no control the API would refuse. The API
 * checks every call anyway; this only keeps the page honest. Read again when the number list changes (a grant
 * given or taken away arrives as a change of the visible numbers).
 */
export function useAccess(): Access {
  const query = useQuery({ queryKey: ['access'], queryFn: ({ signal }) => api<AccessAnswer>('GET', '/access', { signal }) });
  const answer = query.data;
  const levels = new Map((answer?.numbers ?? []).map((n) => [n.phoneNumber, n.level]));
  const levelOf = (phone: string): GrantLevel | null => {
    if (!answer) return null;
    return answer.allNumbers ? 'manager' : (levels.get(phone) ?? null);
  };
  return {
    ready: answer !== undefined,
    levelOf,
    can: (scope, phone, level) => {
      if (!answer || !answer.scopes.includes(scope)) return false;
      const need = level ?? SCOPE_LEVEL[scope];
      return phone === undefined || need === null || rank(levelOf(phone)) >= rank(need);
    },
  };
}
