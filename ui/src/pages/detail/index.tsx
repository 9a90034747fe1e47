import { useQueryClient } from '@tanstack/react-query';
import { LogOut, MessagesSquare, Play, QrCode, RotateCw, Square, Trash2 } from 'lucide-react';
import { lazy, Suspense, useState } from 'react';
import { Fact } from '../../components/fact';
import { PageTitle } from '../../components/layout';
import { SessionBadge, StateBadge } from '../../components/state-badges';
import { useAction } from '../../components/use-action';
import { Button } from '../../components/ui/button';
import { Card, CardContent } from '../../components/ui/card';
import { ConfirmDialog } from '../../components/ui/dialog';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../components/ui/tabs';
import { useT } from '../../i18n';
import type { Key } from '../../i18n/en';
import { api, errorText } from '../../lib/api';
import { useAccess, type Scope } from '../../lib/access';
import { useDevice } from '../../lib/queries';
import { Link, useRoute } from '../../lib/router';
import { ChartsTab } from './charts';
import { EventsTab } from './events';
import { LogsTab } from './logs';
import { QueueTab } from './queue';
import { TimelineTab } from './timeline';
import { SharingTab } from './sharing';
import { WebhooksTab } from './webhooks';
import { ErrorText } from '../../components/ui/field';

type Danger = 'stop' | 'restart' | 'logout' | 'delete';
const TABS = ['timeline', 'logs', 'queue', 'webhooks', 'chatwoot', 'events', 'charts', 'sharing'] as const;
type Tab = (typeof TABS)[number];
/** What a tab needs (the API refuses the rest anyway): the log tail is for operators, webhooks, Chatwoot and sharing for their managers. */
const TAB_NEEDS: Partial<Record<Tab, [Scope, 'operator'?]>> = { logs: ['numbers:read', 'operator'], webhooks: ['webhooks:manage'], chatwoot: ['webhooks:manage'], sharing: ['grants:manage'] };
// Its own chunk: most visits to a number never open it.
const ChatwootTab = lazy(() => import('./chatwoot'));

export function DetailPage({ phone }: { phone: string }) {
  const t = useT();
  const client = useQueryClient();
  const { navigate, search } = useRoute();
  const device = useDevice(phone);
  const { busy, run } = useAction();
  const access = useAccess();
  const [confirm, setConfirm] = useState<Danger | null>(null);
  const initialTab = TABS.find((tab) => tab === search.get('tab')) ?? 'timeline';
  const [tab, setTab] = useState<string>(initialTab);
  const may = (scope: Scope) => access.can(scope, phone);
  const tabs = TABS.filter((name) => {
    const need = TAB_NEEDS[name];
    return !need || access.can(need[0], phone, need[1]);
  });


  if (device.error) return <ErrorText>{errorText(device.error)}</ErrorText>;
  const d = device.data;
  if (!d) return <p>{t('common.loading')}</p>;

  const invalidate = [['device', phone], ['devices'], ['timeline', phone]];
  const act = (action: 'start' | Danger) => {
    if (action === 'delete') {
      void run('delete', () => api('DELETE', `/devices/${phone}`), { success: t('detail.deleted', { name: d.name }) }).then((r) => {
        if (r === undefined) return;
        void client.invalidateQueries({ queryKey: ['devices'] });
        navigate('/numbers');
      });
      return;
    }
    void run(action, () => api('POST', `/devices/${phone}/${action}`), { success: t(`done.${action}` as Key), invalidate });
  };

  return (
    <>
      <PageTitle title={d.name}>
        <Button asChild variant="secondary">
          <Link to={`/chats/${phone}`} data-testid="detail-chats">
            <MessagesSquare aria-hidden /> {t('nav.chats')}
          </Link>
        </Button>
        {may('numbers:control') && d.state !== 'running' && d.state !== 'starting' && (
          <Button onClick={() => act('start')} disabled={busy !== null} data-testid="detail-start">
            <Play aria-hidden /> {t('action.start')}
          </Button>
        )}
        {may('numbers:control') && (d.state === 'running' || d.state === 'starting' || d.state === 'backoff') && (
          <Button variant="secondary" onClick={() => setConfirm('stop')} disabled={busy !== null} data-testid="detail-stop">
            <Square aria-hidden /> {t('action.stop')}
          </Button>
        )}
        {may('numbers:control') && (
          <Button variant="secondary" onClick={() => setConfirm('restart')} disabled={busy !== null} data-testid="detail-restart">
            <RotateCw aria-hidden /> {t('action.restart')}
          </Button>
        )}
        {may('numbers:pair') && d.state === 'running' && !d.loggedIn && (
          <Button asChild variant="secondary">
            <Link to={`/numbers/${phone}/pair`} data-testid="detail-pair">
              <QrCode aria-hidden /> {t('action.pair')}
            </Link>
          </Button>
        )}
        {may('numbers:control') && d.loggedIn && (
          <Button variant="secondary" onClick={() => setConfirm('logout')} disabled={busy !== null} data-testid="detail-logout">
            <LogOut aria-hidden /> {t('action.logout')}
          </Button>
        )}
        {may('numbers:delete') && (
          <Button variant="destructive" onClick={() => setConfirm('delete')} disabled={busy !== null} data-testid="detail-delete">
            <Trash2 aria-hidden /> {t('action.delete')}
          </Button>
        )}
      </PageTitle>
      <Card className="mb-4">
        <CardContent>
          <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm md:grid-cols-4">
            <Fact label={t('detail.number')}>+{d.phoneNumber}</Fact>
            <Fact label={t('numbers.col.process')}>
              <StateBadge state={d.state} testId="detail-state" />
            </Fact>
            <Fact label={t('numbers.col.session')}>
              <SessionBadge session={d.sessionState} testId="detail-session" />
            </Fact>
            <Fact label={t('detail.account')}>
              <span className="font-mono" data-testid="detail-jid">
                {d.jid ?? '—'}
              </span>
            </Fact>
            <Fact label={t('detail.pid')}>
              <span data-testid="detail-pid">{d.pid ?? '—'}</span>
            </Fact>
            <Fact label={t('numbers.col.restarts')}>
              <span data-testid="detail-restarts">{d.restartCount}</span>
            </Fact>
            <Fact label={t('detail.lastExit')}>{d.lastExitCode !== null || d.lastExitSignal ? `${d.lastExitCode ?? ''} ${d.lastExitSignal ?? ''}`.trim() : '—'}</Fact>
            <Fact label={t('detail.lastError')}>
              <span className="break-words text-red-800">{d.lastError ?? '—'}</span>
            </Fact>
          </dl>
        </CardContent>
      </Card>
      <Tabs value={tab} onValueChange={setTab}>
        <TabsList aria-label={t('detail.sections')}>
          {tabs.map((name) => (
            <TabsTrigger key={name} value={name} data-testid={`tab-${name}`}>
              {t(`detail.tab.${name}` as Key)}
            </TabsTrigger>
          ))}
        </TabsList>
        <TabsContent value="timeline">
          <TimelineTab phone={phone} />
        </TabsContent>
        <TabsContent value="logs">{tab === 'logs' && tabs.includes('logs') && <LogsTab phone={phone} />}</TabsContent>
        <TabsContent value="queue">
          <QueueTab phone={phone} canManage={may('queue:manage')} />
        </TabsContent>
        <TabsContent value="webhooks">{tabs.includes('webhooks') && <WebhooksTab device={d} />}</TabsContent>
        <TabsContent value="chatwoot">
          {tab === 'chatwoot' && tabs.includes('chatwoot') && (
            <Suspense fallback={<p>{t('common.loading')}</p>}>
              <ChatwootTab phone={phone} name={d.name} />
            </Suspense>
          )}
        </TabsContent>
        <TabsContent value="events">
          <EventsTab phone={phone} />
        </TabsContent>
        <TabsContent value="charts">{tab === 'charts' && <ChartsTab phone={phone} />}</TabsContent>
        <TabsContent value="sharing">{tab === 'sharing' && tabs.includes('sharing') && <SharingTab phone={phone} />}</TabsContent>
      </Tabs>
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(open) => !open && setConfirm(null)}
        title={confirm ? t(`detail.confirm.${confirm}` as Key, { name: d.name }) : ''}
        description={confirm ? t(`detail.confirmText.${confirm}` as Key) : ''}
        confirm={confirm ? t(`action.${confirm}` as Key) : ''}
        cancel={t('common.cancel')}
        onConfirm={() => confirm && act(confirm)}
      />
    </>
  );
}
