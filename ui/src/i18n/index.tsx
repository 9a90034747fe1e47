import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from '../lib/api';
import { useAuth } from '../lib/auth';
import { en, type Key } from './en';
import { ptBR } from './pt-BR';

export type Language = 'en' | 'pt-BR';
export const LANGUAGES: readonly { code: Language; label: string }[] = [
  { code: 'en', label: 'English' },
  { code: 'pt-BR', label: 'Português (Brasil)' },
];
const DICTIONARIES: Record<Language, Record<Key, string>> = { en, 'pt-BR': ptBR };

export type Translate = (key: Key, vars?: Record<string, string | number>) => string;

interface I18n {
  readonly language: Language;
  readonly t: Translate;
  setLanguage(language: Language): void;
}

const I18nContext = createContext<I18n | null>(null);

/** The browser's preference until the user picks one; the pick is kept server-side per user (/api/me/settings). */
export function browserLanguage(): Language {
  return (navigator.languages ?? [navigator.language]).some((l) => l.toLowerCase().startsWith('pt')) ? 'pt-BR' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const { state } = useAuth();
  const [language, setLanguageState] = useState<Language>(browserLanguage);
  const signedIn = state.status === 'signed-in';

  useEffect(() => {
    if (!signedIn) return;
    let live = true;
    api<{ settings: { language?: Language } }>('GET', '/me').then(
      ({ settings }) => live && settings.language && setLanguageState(settings.language),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [signedIn]);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const setLanguage = useCallback(
    (next: Language) => {
      setLanguageState(next);
      if (signedIn) void api('PATCH', '/me/settings', { body: { language: next } }).catch(() => undefined);
    },
    [signedIn],
  );

  const value = useMemo<I18n>(() => {
    const dictionary = DICTIONARIES[language];
    const t: Translate = (key, vars) => {
      let text = dictionary[key] ?? en[key];
      if (vars) for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
      return text;
    };
    return { language, t, setLanguage };
  }, [language, setLanguage]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n outside I18nProvider');
  return i18n;
}

export function useT(): Translate {
  return useI18n().t;
}
