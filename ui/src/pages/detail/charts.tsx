import { useQuery } from '@tanstack/react-query';
import { BarChart, LineChart } from '../../components/charts';
import { Card, CardContent, CardHeader, CardTitle } from '../../components/ui/card';
import { useT } from '../../i18n';
import { api, errorText } from '../../lib/api';
import { bytes, percent } from '../../lib/format';
import type { DeviceStats } from '../../lib/types';
import { ErrorText } from '../../components/ui/field';

/** Charts of the last hour; read again every 15 s while this view is open (history, not state). */
export function ChartsTab({ phone }: { phone: string }) {
  const t = useT();
  const stats = useQuery({ queryKey: ['stats', phone], queryFn: ({ signal }) => api<DeviceStats>('GET', `/devices/${phone}/stats?minutes=60`, { signal }), refetchInterval: 15_000 });
  if (stats.error) return <ErrorText>{errorText(stats.error)}</ErrorText>;
  const s = stats.data;
  if (!s) return <p>{t('common.loading')}</p>;
  const at = (iso: string) => Date.parse(iso);
  return (
    <div className="grid gap-4 md:grid-cols-2" data-testid="charts">
      <Card>
        <CardHeader>
          <CardTitle>{t('charts.memory')}</CardTitle>
        </CardHeader>
        <CardContent>
          <LineChart points={s.resources.map((r) => ({ x: at(r.at), y: r.rssBytes }))} label="RSS" format={bytes} testId="chart-rss" />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t('charts.cpu')}</CardTitle>
        </CardHeader>
        <CardContent>
          <LineChart points={s.resources.map((r) => ({ x: at(r.at), y: r.cpuPercent }))} label="CPU" format={(v) => percent(v)} testId="chart-cpu" />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t('charts.messages')}</CardTitle>
        </CardHeader>
        <CardContent>
          <BarChart bars={s.activity.map((m) => ({ key: m.minute, a: m.sent, b: m.received }))} label={t('charts.messagesLegend', { sent: s.totals.sent, received: s.totals.received })} testId="chart-messages" />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t('charts.delivery')}</CardTitle>
        </CardHeader>
        <CardContent>
          <p className="text-3xl font-semibold tabular-nums" data-testid="delivery-rate">
            {s.totals.deliveryRate === null ? '—' : percent(s.totals.deliveryRate * 100, 0)}
          </p>
          <p className="text-sm text-slate-700">{t('charts.deliveryText', { delivered: s.totals.delivered, sent: s.totals.sent })}</p>
        </CardContent>
      </Card>
    </div>
  );
}
