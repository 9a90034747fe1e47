import { useQuery, useQueryClient } from '@tanstack/react-query';
import { FileJson, RotateCw } from 'lucide-react';
import { useMemo, useState } from 'react';
import { NumberSelect } from '../../components/number-select';
import { useAction } from '../../components/use-action';
import { Badge, type Tone } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardHeader, CardTitle } from '../../components/ui/card';
import { Checkbox } from '../../components/ui/checkbox';
import { ConfirmDialog } from '../../components/ui/dialog';
import { ErrorText } from '../../components/ui/field';
import { Select } from '../../components/ui/input';
import { Table, Td, Thead } from '../../components/ui/table';
import { useI18n } from '../../i18n';
import type { Key } from '../../i18n/en';
import { api, errorText } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useDevices } from '../../lib/queries';
import type { Delivery, DeliveryStatus } from '../../lib/types';
import { DeliveryDetails } from './details';
import { collectIds, useBulkReplay } from './bulk-replay';
import { BulkProgressLine } from './bulk-progress';
import { DeliveryPager } from './pager';
import { ReplayButton } from './replay-button';

const STATUS_TONE: Record<DeliveryStatus, Tone> = { delivered: 'green', pending: 'blue', failed: 'amber', dead: 'red' };
const STATUSES = ['pending', 'failed', 'dead', 'delivered'] as const;
const PAGE = 50;
const replayPath = (id: number) => `/webhooks/deliveries/${id}/replay`;

interface DeliveryPage {
  readonly deliveries: Delivery[];
  readonly total: number;
}

export function deliveriesPath(filter: { phone: string; status: '' | DeliveryStatus }, limit: number, offset: number): string {
  const query = new URLSearchParams({ limit: String(limit), offset: String(offset) });
  if (filter.phone) query.set('phoneNumber', filter.phone);
  if (filter.status) query.set('status', filter.status);
  return `/webhooks/deliveries?${query.toString()}`;
}

/**
 * The webhook delivery log: newest first, by status and number, a page at a time; one delivery's body and
 * attempts; replay of one, of the selected ones, and of every dead (or retrying) one with per-delivery progress.
 * `phone` fixes the number (the number's own page); without it a number can be picked.
 */
export function DeliveryLog({ phone }: { phone?: string }) {
  const { t, language } = useI18n();
  const client = useQueryClient();
  const devices = useDevices();
  const { busy, run } = useAction();
  const [status, setStatus] = useState<'' | DeliveryStatus>('');
  const [picked, setPicked] = useState('');
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [open, setOpen] = useState<number | null>(null);
  const [confirm, setConfirm] = useState<'dead' | 'failed' | 'selected' | null>(null);
  const number = phone ?? picked;
  const filter = useMemo(() => ({ phone: number, status }), [number, status]);

  const page = useQuery({
    queryKey: ['deliveries', number || '*', status, offset],
    queryFn: ({ signal }) => api<DeliveryPage>('GET', deliveriesPath(filter, PAGE, offset), { signal }),
    // Pending and retrying deliveries change by themselves: keep such a page current while it is on screen.
    refetchInterval: (query) => (query.state.data?.deliveries.some((d) => d.status === 'pending' || d.status === 'failed') ? 5000 : false),
  });
  const counts = useQuery({
    queryKey: ['deliveries', number || '*', 'counts'],
    queryFn: async ({ signal }) => {
      const [dead, failed] = await Promise.all(
        (['dead', 'failed'] as const).map((s) => api<DeliveryPage>('GET', deliveriesPath({ phone: number, status: s }, 1, 0), { signal })),
      );
      return { dead: dead?.total ?? 0, failed: failed?.total ?? 0 };
    },
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ['deliveries'] });
  const bulk = useBulkReplay(replayPath, refresh);

  const rows = page.data?.deliveries ?? [];
  const total = page.data?.total ?? 0;
  const allChecked = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const changeFilter = (change: () => void) => {
    change();
    setOffset(0);
    setSelected(new Set());
  };
  const toggle = (id: number, on: boolean) =>
    setSelected((old) => {
      const next = new Set(old);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const names = new Map((devices.data?.devices ?? []).map((d) => [d.phoneNumber, d.name]));
  const confirmN = confirm === 'selected' ? selected.size : confirm ? (counts.data?.[confirm] ?? 0) : 0;

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t('deliveries.title')}</CardTitle>
        <div className="flex flex-wrap items-end gap-2">
          {phone === undefined && (
            <label className="flex items-center gap-2 text-sm">
              {t('deliveries.number')}
              <NumberSelect allLabel={t('common.all')} value={picked} onChange={(e) => changeFilter(() => setPicked(e.target.value))} data-testid="deliveries-number" />
            </label>
          )}
          <label className="flex items-center gap-2 text-sm">
            {t('deliveries.status')}
            <Select value={status} onChange={(e) => changeFilter(() => setStatus(e.target.value as '' | DeliveryStatus))} data-testid="deliveries-filter">
              <option value="">{t('common.all')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`delivery.${s}` as Key)}
                </option>
              ))}
            </Select>
          </label>
          <Button variant="secondary" size="sm" onClick={refresh}>
            <RotateCw aria-hidden /> {t('common.refresh')}
          </Button>
          <Button variant="secondary" size="sm" disabled={selected.size === 0 || bulk.running} onClick={() => setConfirm('selected')} data-testid="replay-selected">
            {t('deliveries.replaySelected', { n: selected.size })}
          </Button>
          <Button variant="secondary" size="sm" disabled={(counts.data?.failed ?? 0) === 0 || bulk.running} onClick={() => setConfirm('failed')} data-testid="replay-all-failed">
            {t('deliveries.retryFailed', { n: counts.data?.failed ?? 0 })}
          </Button>
          <Button variant="secondary" size="sm" disabled={(counts.data?.dead ?? 0) === 0 || bulk.running} onClick={() => setConfirm('dead')} data-testid="replay-all-dead">
            {t('deliveries.replayDead', { n: counts.data?.dead ?? 0 })}
          </Button>
        </div>
      </CardHeader>
      {bulk.progress && <BulkProgressLine progress={bulk.progress} />}
      {page.error && <ErrorText padded>{errorText(page.error)}</ErrorText>}
      <Table data-testid="deliveries-table" aria-label={t('deliveries.title')}>
        <Thead
          columns={[
            <Checkbox
              key="all"
              checked={allChecked}
              onCheckedChange={(on) => setSelected(on === true ? new Set(rows.map((r) => r.id)) : new Set())}
              aria-label={t('deliveries.selectPage')}
              data-testid="deliveries-select-all"
            />,
            '#',
            ...(phone === undefined ? [t('deliveries.number')] : []),
            t('deliveries.event'),
            t('deliveries.endpoint'),
            t('deliveries.status'),
            t('deliveries.attempts'),
            t('deliveries.lastResult'),
            t('deliveries.created'),
            { hidden: t('numbers.col.actions') },
          ]}
        />
        <tbody>
          {rows.map((d) => (
            <tr key={d.id} data-testid={`delivery-${d.id}`} data-status={d.status}>
              <Td>
                <Checkbox checked={selected.has(d.id)} onCheckedChange={(on) => toggle(d.id, on === true)} aria-label={t('deliveries.selectOne', { id: d.id })} data-testid={`select-delivery-${d.id}`} />
              </Td>
              <Td className="tabular-nums">{d.id}</Td>
              {phone === undefined && <Td className="whitespace-nowrap text-xs">{names.get(d.phoneNumber) ?? `+${d.phoneNumber}`}</Td>}
              <Td className="font-mono text-xs">{d.type}</Td>
              <Td className="max-w-56 truncate text-xs" title={d.endpoint}>
                {d.endpoint} {d.scope === 'global' && <Badge>{t('deliveries.global')}</Badge>}
              </Td>
              <Td>
                <Badge tone={STATUS_TONE[d.status]} data-testid={`delivery-status-${d.id}`}>
                  {t(`delivery.${d.status}` as Key)}
                </Badge>
              </Td>
              <Td className="tabular-nums">{d.attempts}</Td>
              <Td className="max-w-64 truncate text-xs" title={d.lastError ?? ''}>
                {d.lastError ?? (d.lastStatus ? `HTTP ${d.lastStatus}` : '')}
              </Td>
              <Td className="whitespace-nowrap text-xs tabular-nums">{dateTime(d.createdAt, language)}</Td>
              <Td className="whitespace-nowrap">
                <Button size="sm" variant="ghost" onClick={() => setOpen(d.id)} aria-label={t('deliveries.detailsOf', { id: d.id })} data-testid={`details-${d.id}`}>
                  <FileJson aria-hidden />
                </Button>
                <ReplayButton
                  id={d.id}
                  disabled={busy !== null || bulk.running}
                  onReplay={() => void run(`replay-${d.id}`, () => api('POST', `/webhooks/deliveries/${d.id}/replay`), { success: t('deliveries.replayed', { id: d.id }), invalidate: [['deliveries']] })}
                  testId={`replay-${d.id}`}
                />
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      {page.data && rows.length === 0 && <p className="p-4 text-sm text-slate-700">{t('deliveries.none')}</p>}
      <DeliveryPager offset={offset} total={total} pageSize={PAGE} onOffset={setOffset} />
      <DeliveryDetails id={open} onClose={() => setOpen(null)} />
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(on) => !on && setConfirm(null)}
        title={confirm === 'failed' ? t('deliveries.confirmFailedTitle', { n: confirmN }) : confirm === 'selected' ? t('deliveries.confirmSelectedTitle', { n: confirmN }) : t('deliveries.confirmTitle', { n: confirmN })}
        description={t('deliveries.confirmText')}
        confirm={t('deliveries.replay')}
        cancel={t('common.cancel')}
        destructive={false}
        onConfirm={() => {
          const what = confirm;
          setConfirm(null);
          if (what === 'selected') {
            const ids = [...selected];
            setSelected(new Set());
            void bulk.replay(async () => ids);
          } else if (what) {
            void bulk.replay(() => collectIds((limit, at) => deliveriesPath({ phone: number, status: what }, limit, at), bulk.counted));
          }
        }}
      />
    </Card>
  );
}
