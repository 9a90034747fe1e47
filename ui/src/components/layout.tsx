import { LogOut, MessageSquareText, Radio, ShieldOff } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import { LANGUAGES, useI18n, type Language } from '../i18n';
import { errorText } from '../lib/api';
import { useAuth, useUser } from '../lib/auth';
import { useConnectionState } from '../lib/live';
import { useAccess } from '../lib/access';
import { useUnread } from '../lib/queries';
import { Link, useRoute } from '../lib/router';
import { cn } from '../lib/utils';
import { Button } from './ui/button';
import { ConfirmDialog } from './ui/dialog';
import { Select } from './ui/input';
import { useToast } from './ui/toaster';

export function LanguageSelect() {
  const { language, setLanguage, t } = useI18n();
  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="sr-only">{t('nav.language')}</span>
      <Select className="w-auto" value={language} onChange={(e) => setLanguage(e.target.value as Language)} data-testid="language-select" aria-label={t('nav.language')}>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code}>
            {l.label}
          </option>
        ))}
      </Select>
    </label>
  );
}

function ConnectionBadge() {
  const { t } = useI18n();
  const state = useConnectionState();
  const tone = state === 'live' ? 'text-emerald-800' : state === 'offline' ? 'text-red-800' : 'text-amber-800';
  return (
    <span className={cn('flex items-center gap-1 text-xs font-medium', tone)} data-testid="connection-state" data-state={state}>
      <Radio className="size-3.5" aria-hidden />
      {t(`live.${state}`)}
    </span>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const user = useUser();
  const auth = useAuth();
  const toast = useToast();
  const { path } = useRoute();
  const [confirmAll, setConfirmAll] = useState(false);
  const unread = useUnread();
  const access = useAccess();
  const nav = [
    { to: '/numbers', label: t('nav.numbers'), show: true, count: 0 },
    { to: '/chats', label: t('nav.chats'), show: true, count: unread.data?.total.messages ?? 0 },
    { to: '/deliveries', label: t('nav.deliveries'), show: access.can('webhooks:manage'), count: 0 },
    { to: '/keys', label: t('nav.keys'), show: access.can('keys:manage'), count: 0 },
    { to: '/audit', label: t('nav.audit'), show: access.can('audit:read'), count: 0 },
    { to: '/users', label: t('nav.users'), show: access.can('users:manage'), count: 0 },
    { to: '/system', label: t('nav.system'), show: access.can('system:admin'), count: 0 },
  ];
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2">
        {t('nav.skip')}
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-4 px-4 py-2">
          <Link to="/numbers" className="flex items-center gap-2 font-semibold text-emerald-900">
            <MessageSquareText className="size-5" aria-hidden />
            WhatsApp Multi-Platform
          </Link>
          <nav aria-label={t('nav.main')} className="flex gap-1">
            {nav
              .filter((n) => n.show)
              .map((n) => (
                <Link
                  key={n.to}
                  to={n.to}
                  data-testid={`nav-${n.to.slice(1)}`}
                  aria-current={path.startsWith(n.to) ? 'page' : undefined}
                  className={cn('rounded-md px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100', path.startsWith(n.to) && 'bg-emerald-50 text-emerald-900')}
                >
                  {n.label}
                  {n.count > 0 && (
                    <span className="ml-1.5 rounded-full bg-emerald-700 px-1.5 text-xs font-semibold text-white" data-testid="nav-unread">
                      <span className="sr-only">{t('chats.unreadCount', { n: n.count })}</span>
                      <span aria-hidden>{n.count}</span>
                    </span>
                  )}
                </Link>
              ))}
          </nav>
          <div className="ml-auto flex flex-wrap items-center gap-3">
            <ConnectionBadge />
            <LanguageSelect />
            <span className="text-sm text-slate-700" data-testid="current-user">
              {user.username} ({t(`role.${user.role}`)})
            </span>
            <Button variant="ghost" size="sm" onClick={() => void auth.signOut()} data-testid="sign-out">
              <LogOut aria-hidden /> {t('nav.signOut')}
            </Button>
            <Button variant="ghost" size="sm" onClick={() => setConfirmAll(true)} data-testid="sign-out-everywhere">
              <ShieldOff aria-hidden /> {t('nav.signOutEverywhere')}
            </Button>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        {children}
      </main>
      <ConfirmDialog
        open={confirmAll}
        onOpenChange={setConfirmAll}
        title={t('signOutAll.title')}
        description={t('signOutAll.description')}
        confirm={t('nav.signOutEverywhere')}
        cancel={t('common.cancel')}
        onConfirm={() => auth.signOutEverywhere().catch((err: unknown) => toast.error(errorText(err)))}
      />
    </div>
  );
}

export function PageTitle({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
      <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
      {children && <div className="flex flex-wrap items-center gap-2">{children}</div>}
    </div>
  );
}
