import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, setTokenSource } from './api';
import type { User } from './types';

interface SignedIn {
  readonly token: string;
  readonly expiresIn: number;
  readonly user: User;
}

type AuthState = { status: 'loading' } | { status: 'signed-out'; reason: string | null } | { status: 'signed-in'; user: User };

interface AuthApi {
  readonly state: AuthState;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  signOutEverywhere(): Promise<number>;
  /** The current access token (memory only), for the Socket.IO handshake. */
  token(): string | null;
  refresh(): Promise<string | null>;
}

const AuthContext = createContext<AuthApi | null>(null);

/**
 * The access token lives in this module's memory only: never in localStorage, sessionStorage or a URL. A reload
 * asks /api/auth/refresh, which reads the httpOnly refresh cookie the page itself cannot see.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const token = useRef<string | null>(null);
  const inFlight = useRef<Promise<string | null> | null>(null);
  const timer = useRef<number | null>(null);

  const accept = useCallback((signedIn: SignedIn) => {
    token.current = signedIn.token;
    setState((prev) => (prev.status === 'signed-in' && prev.user.id === signedIn.user.id && prev.user.role === signedIn.user.role ? prev : { status: 'signed-in', user: signedIn.user }));
    if (timer.current !== null) window.clearTimeout(timer.current);
    // Renew at 80 % of the lifetime, so a request never carries an expired token.
    timer.current = window.setTimeout(() => void refreshRef.current(), Math.max(5, signedIn.expiresIn * 0.8) * 1000);
  }, []);

  const drop = useCallback((reason: string | null) => {
    token.current = null;
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = null;
    // Nothing of this user's data stays in the page after sign-out.
    client.clear();
    setState({ status: 'signed-out', reason });
  }, [client]);

  const refresh = useCallback((): Promise<string | null> => {
    inFlight.current ??= api<SignedIn>('POST', '/auth/refresh', { cookie: true, noRetry: true })
      .then(
        (signedIn) => {
          accept(signedIn);
          return signedIn.token;
        },
        (err: unknown) => {
          drop(token.current ? (err as Error).message : null);
          return null;
        },
      )
      .finally(() => {
        inFlight.current = null;
      });
    return inFlight.current;
  }, [accept, drop]);
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  const currentToken = useCallback(() => token.current, []);

  useEffect(() => {
    setTokenSource({ current: () => token.current, refresh: () => refreshRef.current() });
    void refreshRef.current();
    return () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
    };
  }, []);

  const value = useMemo<AuthApi>(
    () => ({
      state,
      token: currentToken,
      refresh,
      signIn: async (username, password) => {
        accept(await api<SignedIn>('POST', '/auth/session', { body: { username, password }, cookie: true }));
      },
      signOut: async () => {
        try {
          await api('POST', '/auth/logout', { cookie: true });
        } finally {
          drop(null);
        }
      },
      signOutEverywhere: async () => {
        const { ended } = await api<{ ended: number }>('POST', '/auth/logout-all');
        drop(null);
        return ended;
      },
    }),
    [state, currentToken, refresh, accept, drop],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthApi {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

export function useUser(): User {
  const { state } = useAuth();
  if (state.status !== 'signed-in') throw new Error('useUser while signed out');
  return state.user;
}
