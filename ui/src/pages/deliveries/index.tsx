import { useQuery } from '@tanstack/react-query';
import { PageTitle } from '../../components/layout';
import { Badge } from '../../components/ui/badge';
import { Card, CardHeader, CardTitle } from '../../components/ui/card';
import { ErrorText } from '../../components/ui/field';
import { Table, Td, Thead } from '../../components/ui/table';
import { useI18n } from '../../i18n';
import { api, errorText } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { DeliveryLog } from './log';

interface Backlog {
  readonly status: 'ok' | 'degraded';
  readonly endpoints: { endpoint: string; scope: 'device' | 'global'; pending: number; retrying: number; dead: number; inFlight: number; oldestPendingAt: string | null }[];
  readonly totals: { pending: number; retrying: number; dead: number };
}

/** What is waiting per endpoint: pending, retrying, dead, in flight, and since when. */
function BacklogCard() {
  const { t, language } = useI18n();
  const backlog = useQuery({ queryKey: ['deliveries', 'backlog'], queryFn: ({ signal }) => api<Backlog>('GET', '/health/webhooks', { signal }), refetchInterval: 10_000 });
  const endpoints = backlog.data?.endpoints ?? [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t('deliveries.backlog')}</CardTitle>
        {backlog.data && (
          <Badge tone={backlog.data.status === 'ok' ? 'green' : 'amber'} data-testid="backlog-status">
            {t(backlog.data.status === 'ok' ? 'deliveries.backlogOk' : 'deliveries.backlogDegraded')}
          </Badge>
        )}
      </CardHeader>
      {backlog.error && <ErrorText padded>{errorText(backlog.error)}</ErrorText>}
      {endpoints.length > 0 ? (
        <Table data-testid="backlog-table" aria-label={t('deliveries.backlog')}>
          <Thead columns={[t('deliveries.endpoint'), t('delivery.pending'), t('delivery.failed'), t('delivery.dead'), t('deliveries.inFlight'), t('deliveries.oldestPending')]} />
          <tbody>
            {endpoints.map((e) => (
              <tr key={`${e.scope}:${e.endpoint}`} data-testid="backlog-row">
                <Td className="max-w-72 truncate text-xs" title={e.endpoint}>
                  {e.endpoint} {e.scope === 'global' && <Badge>{t('deliveries.global')}</Badge>}
                </Td>
                <Td className="tabular-nums">{e.pending}</Td>
                <Td className="tabular-nums">{e.retrying}</Td>
                <Td className="tabular-nums" data-testid="backlog-dead">{e.dead}</Td>
                <Td className="tabular-nums">{e.inFlight}</Td>
                <Td className="text-xs tabular-nums">{e.oldestPendingAt ? dateTime(e.oldestPendingAt, language) : '–'}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : (
        backlog.data && <p className="p-4 text-sm text-slate-700">{t('deliveries.backlogEmpty')}</p>
      )}
    </Card>
  );
}

/** Webhook deliveries of every number you may manage: the backlog, the log, replays. */
export default function DeliveriesPage() {
  const { t } = useI18n();
  return (
    <>
      <PageTitle title={t('deliveries.pageTitle')} />
      <div className="flex flex-col gap-4">
        <BacklogCard />
        <DeliveryLog />
      </div>
    </>
  );
}
