import { Save } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { useAction } from '../../components/use-action';
import { Button } from '../../components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../components/ui/card';
import { Input } from '../../components/ui/input';
import { Field } from '../../components/ui/field';
import { useI18n } from '../../i18n';
import { api } from '../../lib/api';
import type { Device } from '../../lib/types';
import { DeliveryLog } from '../deliveries/log';

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


export function WebhooksTab({ device }: { device: Device }) {
  return (
    <div className="flex flex-col gap-4">
      <Settings device={device} />
      <DeliveryLog phone={device.phoneNumber} />
    </div>
  );
}
