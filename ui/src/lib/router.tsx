import { createContext, useContext, useEffect, useState, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';
import { basePath } from './config';

/** The page's own path below the base ("/numbers/5511…"), so routes do not care where the dashboard is mounted. */
function currentPath(): string {
  const path = window.location.pathname;
  const inner = path.startsWith(basePath) ? path.slice(basePath.length - 1) : path;
  return inner === '' ? '/' : inner;
}

const RouteContext = createContext<{ path: string; search: URLSearchParams; navigate: (to: string) => void }>({ path: '/', search: new URLSearchParams(), navigate: () => undefined });

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(() => ({ path: currentPath(), search: new URLSearchParams(window.location.search) }));
  useEffect(() => {
    const onPop = () => setLocation({ path: currentPath(), search: new URLSearchParams(window.location.search) });
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (to: string) => {
    window.history.pushState(null, '', href(to));
    setLocation({ path: currentPath(), search: new URLSearchParams(window.location.search) });
    window.scrollTo(0, 0);
  };
  return <RouteContext.Provider value={{ ...location, navigate }}>{children}</RouteContext.Provider>;
}

export function href(to: string): string {
  return `${basePath}${to.replace(/^\//, '')}`;
}

export function useRoute() {
  return useContext(RouteContext);
}

/** `pattern` like "/numbers/:phone"; returns the params when the path matches. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split('/').filter(Boolean);
  const b = path.split('/').filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of a.entries()) {
    const value = b[i] as string;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return null;
  }
  return params;
}

export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { navigate } = useRoute();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a {...rest} href={href(to)} onClick={onClick}>
      {children}
    </a>
  );
}
