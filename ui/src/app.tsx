import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Layout } from './components/layout';
import { ToastProvider } from './components/ui/toaster';
import { I18nProvider, useT } from './i18n';
import { ApiError } from './lib/api';
import { AuthProvider, useAuth } from './lib/auth';
import { RealtimeProvider } from './lib/live';
import { match, RouterProvider, useRoute } from './lib/router';
import { AddNumberPage } from './pages/add-number';
import { DetailPage } from './pages/detail';
import { NumbersPage } from './pages/numbers';
import { PairPage } from './pages/pair';
import { SignInPage } from './pages/sign-in';
import { SystemPage } from './pages/system';
import { UsersPage } from './pages/users';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Live events keep the cache current; a refetch happens when they say something changed.
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
    },
  },
});

function Routes() {
  const { path } = useRoute();
  const t = useT();
  const { state } = useAuth();
  if (state.status === 'loading') return <p className="p-6 text-sm text-slate-700">{t('common.loading')}</p>;
  if (state.status === 'signed-out') return <SignInPage reason={state.reason} />;
  const admin = state.user.role === 'admin';
  let page;
  let params: Record<string, string> | null;
  if (path === '/' || path === '/numbers') page = <NumbersPage />;
  else if (path === '/numbers/new') page = <AddNumberPage />;
  else if ((params = match('/numbers/:phone/pair', path))) page = <PairPage key={params['phone']} phone={params['phone'] as string} />;
  else if ((params = match('/numbers/:phone', path))) page = <DetailPage key={params['phone']} phone={params['phone'] as string} />;
  else if (path === '/system' && admin) page = <SystemPage />;
  else if (path === '/users' && admin) page = <UsersPage />;
  else page = <p data-testid="not-found">{t('common.notFound')}</p>;
  return <Layout>{page}</Layout>;
}

function Toasts({ children }: { children: ReactNode }) {
  return <ToastProvider dismissLabel={useT()('common.dismiss')}>{children}</ToastProvider>;
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <I18nProvider>
          <Toasts>
            <RealtimeProvider>
              <RouterProvider>
                <Routes />
              </RouterProvider>
            </RealtimeProvider>
          </Toasts>
        </I18nProvider>
      </AuthProvider>
    </QueryClientProvider>
  );
}
