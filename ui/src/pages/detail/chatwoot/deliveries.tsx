import { useQuery, useQueryClient } from '@tanstack/react-query';
import { RotateCw } from 'lucide-react';
import { useState } from 'react';
import { useAction } from '../../../components/use-action';
import { Badge, type Tone } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { Card, CardHeader, CardTitle } from '../../../components/ui/card';
import { ConfirmDialog } from '../../../components/ui/dialog';
import { ErrorText } from '../../../components/ui/field';
import { Select } from '../../../components/ui/input';
import { Table, Td, Thead } from '../../../components/ui/table';
import { useI18n } from '../../../i18n';
import { api, errorText } from '../../../lib/api';
import { dateTime } from '../../../lib/format';
import { BulkProgressLine } from '../../deliveries/bulk-progress';
import { collectIds, useBulkReplay } from '../../deliveries/bulk-replay';
import type { ChatwootDeliveryPage, ChatwootDirection, ChatwootStatus } from './types';
import { DeliveryPager } from '../../deliveries/pager';
import { ReplayButton } from '../../deliveries/replay-button';

const STATUSES: readonly ChatwootStatus[] = ['dead', 'pending', 'running', 'done'];
const TONE: Record<ChatwootStatus, Tone> = { dead: 'red', pending: 'blue', running: 'blue', done: 'green' };
const PAGE = 50;
const replayPath = (id: number) => `/chatwoot/deliveries/${id}/replay`;

function listPath(phone: string, filter: { status: '' | ChatwootStatus; direction: '' | ChatwootDirection }, limit: number, offset: number): string {
  const query = new URLSearchParams({ phoneNumber: phone, limit: String(limit), offset: String(offset) });
  if (filter.status) query.set('status', filter.status);
  if (filter.direction) query.set('direction', filter.direction);
  return `/chatwoot/deliveries?${query.toString()}`;
}

/**
 * The bridge's steps for this number, both ways, newest first: a waiting one shows why it waits (its last error and
 * attempts) and can be retried now; a dead one can be replayed alone or with every other dead one (four at a time,
 * each checked and audited on its own).
 */
export function BridgeDeliveries({ phone, dead }: { phone: string; dead: number }) {
  const { t, language } = useI18n();
  const client = useQueryClient();
  const { busy, run } = useAction();
  const [filter, setFilter] = useState<{ status: '' | ChatwootStatus; direction: '' | ChatwootDirection }>({ status: '', direction: '' });
  const [offset, setOffset] = useState(0);
  const [confirm, setConfirm] = useState(false);
  const page = useQuery({
    queryKey: ['chatwoot-deliveries', phone, filter, offset],
    queryFn: ({ signal }) => api<ChatwootDeliveryPage>('GET', listPath(phone, filter, PAGE, offset), { signal }),
    // Waiting steps move by themselves: keep such a page current while it is on screen.
    refetchInterval: (query) => (query.state.data?.deliveries.some((d) => d.status === 'pending' || d.status === 'running') ? 3000 : false),
  });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['chatwoot-deliveries', phone] });
    void client.invalidateQueries({ queryKey: ['chatwoot', phone] });
  };
  const bulk = useBulkReplay(replayPath, refresh);
  const rows = page.data?.deliveries ?? [];
  const total = page.data?.total ?? 0;
  const change = (next: Partial<typeof filter>) => {
    setFilter({ ...filter, ...next });
    setOffset(0);
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t('chatwoot.deliveries')}</CardTitle>
        <div className="flex flex-wrap items-end gap-2">
          <label className="flex items-center gap-2 text-sm">
            {t('deliveries.status')}
            <Select value={filter.status} onChange={(e) => change({ status: e.target.value as '' | ChatwootStatus })} data-testid="cw-deliveries-status">
              <option value="">{t('common.all')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`chatwoot.status.${s}`)}
                </option>
              ))}
            </Select>
          </label>
          <label className="flex items-center gap-2 text-sm">
            {t('chatwoot.direction')}
            <Select value={filter.direction} onChange={(e) => change({ direction: e.target.value as '' | ChatwootDirection })} data-testid="cw-deliveries-direction">
              <option value="">{t('common.all')}</option>
              <option value="to_chatwoot">{t('chatwoot.toChatwoot')}</option>
              <option value="to_whatsapp">{t('chatwoot.toWhatsapp')}</option>
            </Select>
          </label>
          <Button variant="secondary" size="sm" onClick={refresh}>
            <RotateCw aria-hidden /> {t('common.refresh')}
          </Button>
          <Button variant="secondary" size="sm" disabled={dead === 0 || bulk.running} onClick={() => setConfirm(true)} data-testid="cw-replay-all-dead">
            {t('deliveries.replayDead', { n: dead })}
          </Button>
        </div>
      </CardHeader>
      {bulk.progress && <BulkProgressLine progress={bulk.progress} />}
      {page.error && <ErrorText padded>{errorText(page.error)}</ErrorText>}
      <Table aria-label={t('chatwoot.deliveries')} data-testid="cw-deliveries">
        <Thead
          columns={[
            '#',
            t('chatwoot.direction'),
            t('chatwoot.kind'),
            t('chatwoot.ref'),
            t('deliveries.status'),
            t('deliveries.attempts'),
            t('deliveries.lastResult'),
            t('chatwoot.updated'),
            { hidden: t('numbers.col.actions') },
          ]}
        />
        <tbody>
          {rows.map((d) => (
            <tr key={d.id} data-testid={`cw-delivery-${d.id}`} data-status={d.status}>
              <Td className="tabular-nums">{d.id}</Td>
              <Td className="whitespace-nowrap text-xs">{t(d.direction === 'to_chatwoot' ? 'chatwoot.toChatwoot' : 'chatwoot.toWhatsapp')}</Td>
              <Td className="font-mono text-xs">{d.kind}</Td>
              <Td className="max-w-40 truncate font-mono text-xs" title={d.ref}>
                {d.ref}
              </Td>
              <Td>
                <Badge tone={TONE[d.status]} data-testid={`cw-delivery-status-${d.id}`}>
                  {t(`chatwoot.status.${d.status}`)}
                </Badge>
              </Td>
              <Td className="tabular-nums">{d.attempts}</Td>
              <Td className="max-w-64 truncate text-xs" title={d.lastError ?? ''}>
                {d.lastError ?? ''}
              </Td>
              <Td className="whitespace-nowrap text-xs tabular-nums">{dateTime(d.updatedAt, language)}</Td>
              <Td className="whitespace-nowrap">
                {(d.status === 'dead' || (d.status === 'pending' && d.attempts > 0)) && (
                  <ReplayButton
                    id={d.id}
                    disabled={busy !== null || bulk.running}
                    onReplay={() => void run(`replay-${d.id}`, () => api('POST', replayPath(d.id)), { success: t('deliveries.replayed', { id: d.id }), invalidate: [['chatwoot-deliveries', phone], ['chatwoot', phone]] })}
                    testId={`cw-replay-${d.id}`}
                  />
                )}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      {page.data && rows.length === 0 && <p className="p-4 text-sm text-slate-700">{t('chatwoot.none')}</p>}
      <DeliveryPager offset={offset} total={total} pageSize={PAGE} onOffset={setOffset} />
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={t('deliveries.confirmTitle', { n: dead })}
        description={t('chatwoot.confirmReplayText')}
        confirm={t('deliveries.replay')}
        cancel={t('common.cancel')}
        destructive={false}
        onConfirm={() => {
          setConfirm(false);
          void bulk.replay(() => collectIds((limit, at) => listPath(phone, { status: 'dead', direction: '' }, limit, at), bulk.counted));
        }}
      />
    </Card>
  );
}
