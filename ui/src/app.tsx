import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, type ReactNode } from 'react';
import { Layout } from './components/layout';
import { ToastProvider } from './components/ui/toaster';
import { I18nProvider, useT } from './i18n';
import { ApiError } from './lib/api';
import { AuthProvider, useAuth } from './lib/auth';
import { RealtimeProvider } from './lib/live';
import { match, RouterProvider, useRoute } from './lib/router';
import { useAccess } from './lib/access';
import { AddNumberPage } from './pages/add-number';
import { NumbersPage } from './pages/numbers';
import { PairPage } from './pages/pair';
import { SignInPage } from './pages/sign-in';

// Every page but the numbers list and pairing loads on first use (its own chunk): the first download stays small.
const DetailPage = lazy(() => import('./pages/detail').then((m) => ({ default: m.DetailPage })));
const ChatsPage = lazy(() => import('./pages/chats'));
const DeliveriesPage = lazy(() => import('./pages/deliveries'));
const KeysPage = lazy(() => import('./pages/keys'));
const AuditPage = lazy(() => import('./pages/audit'));
const SystemPage = lazy(() => import('./pages/system').then((m) => ({ default: m.SystemPage })));
const UsersPage = lazy(() => import('./pages/users').then((m) => ({ default: m.UsersPage })));

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
  const t = useT();
  const { state } = useAuth();
  if (state.status === 'loading') return <p className="p-6 text-sm text-slate-700">{t('common.loading')}</p>;
  if (state.status === 'signed-out') return <SignInPage reason={state.reason} />;
  return (
    <Layout>
      <Suspense fallback={<p className="text-sm text-slate-700">{t('common.loading')}</p>}>
        <Page />
      </Suspense>
    </Layout>
  );
}

/** The page of the path; a page the user may not use is not found (the API would refuse its calls anyway). */
function Page() {
  const { path } = useRoute();
  const t = useT();
  const access = useAccess();
  let params: Record<string, string> | null;
  if (path === '/' || path === '/numbers') return <NumbersPage />;
  if (path === '/numbers/new') return <AddNumberPage />;
  if ((params = match('/numbers/:phone/pair', path))) return <PairPage key={params['phone']} phone={params['phone'] as string} />;
  if ((params = match('/numbers/:phone', path))) return <DetailPage key={params['phone']} phone={params['phone'] as string} />;
  if (path === '/chats') return <ChatsPage phone={null} chatId={null} />;
  if ((params = match('/chats/:phone', path))) return <ChatsPage phone={params['phone'] as string} chatId={null} />;
  if ((params = match('/chats/:phone/:chatId', path))) return <ChatsPage phone={params['phone'] as string} chatId={params['chatId'] as string} />;
  if (!access.ready) return <p className="text-sm text-slate-700">{t('common.loading')}</p>;
  if (path === '/deliveries' && access.can('webhooks:manage')) return <DeliveriesPage />;
  if (path === '/keys' && access.can('keys:manage')) return <KeysPage />;
  if (path === '/audit' && access.can('audit:read')) return <AuditPage />;
  if (path === '/system' && access.can('system:admin')) return <SystemPage />;
  if (path === '/users' && access.can('users:manage')) return <UsersPage />;
  return <p data-testid="not-found">{t('common.notFound')}</p>;
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
