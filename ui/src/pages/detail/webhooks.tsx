import { useQuery, useQueryClient } from '@tanstack/react-query';
import { RotateCw, Save } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { useAction } from '../../components/use-action';
import { Badge, type Tone } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../components/ui/card';
import { ConfirmDialog } from '../../components/ui/dialog';
import { Input, Select } from '../../components/ui/input';
import { ErrorText, Field } from '../../components/ui/field';
import { Table, Td, Thead } from '../../components/ui/table';
import { useToast } from '../../components/ui/toaster';
import { useI18n } from '../../i18n';
import type { Key } from '../../i18n/en';
import { api, errorText } from '../../lib/api';
import { dateTime } from '../../lib/format';
import type { Delivery, DeliveryStatus, Device } from '../../lib/types';
import { eachLimited } from '../../lib/utils';

const STATUS_TONE: Record<DeliveryStatus, Tone> = { delivered: 'green', pending: 'blue', failed: 'amber', dead: 'red' };

function Settings({ device }: { device: Device }) {
  const { t } = useI18n();
  const { busy, run } = useAction();
  const [url, setUrl] = useState(device.webhookUrl ?? '');
  const [secret, setSecret] = useState('');
  const [events, setEvents] = useState((device.webhookEvents ?? []).join(', '));
  useEffect(() => {
    setUrl(device.webhookUrl ?? '');
    setEvents((device.webhookEvents ?? []).join(', '));
  }, [device.webhookUrl, device.webhookEvents]);

  const save = (event: FormEvent) => {
    event.preventDefault();
    const list = events.split(',').map((e) => e.trim()).filter(Boolean);
    const body: Record<string, unknown> = { webhookUrl: url.trim() === '' ? null : url.trim(), webhookEvents: list.length === 0 ? null : list };
    if (secret !== '') body['webhookSecret'] = secret;
    void run('save', () => api('PATCH', `/devices/${device.phoneNumber}`, { body }), { success: t('webhooks.saved'), invalidate: [['device', device.phoneNumber], ['devices']] }).then(() => setSecret(''));
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t('webhooks.settings')}</CardTitle>
      </CardHeader>
      <CardContent>
        <form className="flex flex-col gap-3" onSubmit={save} data-testid="webhook-form">
          <Field id="wh-url" label={t('webhooks.url')}>
            <Input id="wh-url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/hooks/whatsapp" data-testid="webhook-url" />
          </Field>
          <Field id="wh-secret" label={t('webhooks.secret')} help={t('webhooks.secretHelp')}>
            <Input id="wh-secret" type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} placeholder={t('webhooks.secretPlaceholder')} aria-describedby="wh-secret-help" />
          </Field>
          <Field id="wh-events" label={t('webhooks.events')} help={t('webhooks.eventsHelp')}>
            <Input id="wh-events" value={events} onChange={(e) => setEvents(e.target.value)} placeholder="message, message.ack, device.*" aria-describedby="wh-events-help" />
          </Field>
          <Button type="submit" className="self-start" disabled={busy !== null} data-testid="webhook-save">
            <Save aria-hidden /> {t('common.save')}
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}


function Deliveries({ phone }: { phone: string }) {
  const { t, language } = useI18n();
  const toast = useToast();
  const client = useQueryClient();
  const { busy, run } = useAction();
  const [status, setStatus] = useState<'' | DeliveryStatus>('');
  const [bulk, setBulk] = useState<{ done: number; failed: number; total: number } | null>(null);
  const [confirmBulk, setConfirmBulk] = useState(false);
  const key = ['deliveries', phone, status];
  const deliveries = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => api<{ deliveries: Delivery[]; total: number }>('GET', `/webhooks/deliveries?phoneNumber=${phone}&limit=100${status ? `&status=${status}` : ''}`, { signal }),
  });
  const dead = useQuery({ queryKey: ['deliveries', phone, 'dead-count'], queryFn: ({ signal }) => api<{ deliveries: Delivery[]; total: number }>('GET', `/webhooks/deliveries?phoneNumber=${phone}&status=dead&limit=200`, { signal }) });
  const refresh = () => void client.invalidateQueries({ queryKey: ['deliveries', phone] });

  const replayDead = async () => {
    const ids = (dead.data?.deliveries ?? []).map((d) => d.id);
    let done = 0;
    let failed = 0;
    setBulk({ done, failed, total: ids.length });
    await eachLimited(ids, 4, async (id) => {
      try {
        await api('POST', `/webhooks/deliveries/${id}/replay`);
        done++;
      } catch {
        failed++;
      }
      setBulk({ done, failed, total: ids.length });
    });
    refresh();
    if (failed > 0) toast.error(t('deliveries.bulkFailed', { ok: done, failed }));
    else toast.success(t('deliveries.bulkDone', { n: done }));
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t('deliveries.title')}</CardTitle>
        <div className="flex flex-wrap items-end gap-2">
          <label className="flex items-center gap-2 text-sm">
            {t('deliveries.status')}
            <Select value={status} onChange={(e) => setStatus(e.target.value as '' | DeliveryStatus)} data-testid="deliveries-filter">
              <option value="">{t('common.all')}</option>
              {(['pending', 'failed', 'dead', 'delivered'] as const).map((s) => (
                <option key={s} value={s}>
                  {t(`delivery.${s}` as Key)}
                </option>
              ))}
            </Select>
          </label>
          <Button variant="secondary" size="sm" onClick={refresh}>
            <RotateCw aria-hidden /> {t('common.refresh')}
          </Button>
          <Button variant="secondary" size="sm" disabled={(dead.data?.total ?? 0) === 0 || bulk !== null && bulk.done + bulk.failed < bulk.total} onClick={() => setConfirmBulk(true)} data-testid="replay-all-dead">
            {t('deliveries.replayDead', { n: dead.data?.total ?? 0 })}
          </Button>
        </div>
      </CardHeader>
      {bulk && (
        <p className="border-b border-slate-200 px-4 py-2 text-sm" role="status" data-testid="bulk-replay-progress">
          {t('deliveries.progress', { done: bulk.done, failed: bulk.failed, total: bulk.total })}
        </p>
      )}
      {deliveries.error && <ErrorText padded>{errorText(deliveries.error)}</ErrorText>}
      <Table data-testid="deliveries-table" aria-label={t('deliveries.title')}>
        <Thead columns={['#', t('deliveries.event'), t('deliveries.endpoint'), t('deliveries.status'), t('deliveries.attempts'), t('deliveries.lastResult'), t('deliveries.created'), { hidden: t('numbers.col.actions') }]} />
        <tbody>
          {(deliveries.data?.deliveries ?? []).map((d) => (
            <tr key={d.id} data-testid={`delivery-${d.id}`} data-status={d.status}>
              <Td className="tabular-nums">{d.id}</Td>
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
              <Td className="text-xs tabular-nums">{dateTime(d.createdAt, language)}</Td>
              <Td>
                <Button
                  size="sm"
                  variant="secondary"
                  disabled={busy !== null}
                  onClick={() => void run(`replay-${d.id}`, () => api('POST', `/webhooks/deliveries/${d.id}/replay`), { success: t('deliveries.replayed', { id: d.id }), invalidate: [['deliveries', phone]] })}
                  data-testid={`replay-${d.id}`}
                  aria-label={t('deliveries.replayOne', { id: d.id })}
                >
                  <RotateCw aria-hidden /> {t('deliveries.replay')}
                </Button>
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      {deliveries.data?.deliveries.length === 0 && <p className="p-4 text-sm text-slate-700">{t('deliveries.none')}</p>}
      <ConfirmDialog
        open={confirmBulk}
        onOpenChange={setConfirmBulk}
        title={t('deliveries.confirmTitle', { n: dead.data?.total ?? 0 })}
        description={t('deliveries.confirmText')}
        confirm={t('deliveries.replay')}
        cancel={t('common.cancel')}
        destructive={false}
        onConfirm={() => void replayDead()}
      />
    </Card>
  );
}

export function WebhooksTab({ device }: { device: Device }) {
  return (
    <div className="flex flex-col gap-4">
      <Settings device={device} />
      <Deliveries phone={device.phoneNumber} />
    </div>
  );
}
