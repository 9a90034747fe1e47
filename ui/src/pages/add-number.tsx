import { useQueryClient } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import { useState } from 'react';
import { PageTitle } from '../components/layout';
import { useFormSubmit } from '../components/use-form-submit';
import { Button } from '../components/ui/button';
import { Card, CardContent } from '../components/ui/card';
import { Checkbox } from '../components/ui/checkbox';
import { ErrorText, Field } from '../components/ui/field';
import { Input } from '../components/ui/input';
import { Label } from '../components/ui/label';
import { useToast } from '../components/ui/toaster';
import { useT } from '../i18n';
import { api } from '../lib/api';
import { useRoute } from '../lib/router';
import type { Device } from '../lib/types';

export function AddNumberPage() {
  const t = useT();
  const toast = useToast();
  const client = useQueryClient();
  const { navigate } = useRoute();
  const [phoneNumber, setPhone] = useState('');
  const [name, setName] = useState('');
  const [autoStart, setAutoStart] = useState(true);
  const { error, busy, onSubmit } = useFormSubmit(async () => {
    const device = await api<Device>('POST', '/devices', { body: { phoneNumber, ...(name.trim() ? { name: name.trim() } : {}), autoStart } });
    await client.invalidateQueries({ queryKey: ['devices'] });
    toast.success(t('add.done', { name: device.name }));
    navigate(autoStart ? `/numbers/${device.phoneNumber}/pair` : `/numbers/${device.phoneNumber}`);
  });

  return (
    <>
      <PageTitle title={t('add.title')} />
      <Card className="max-w-lg">
        <CardContent>
          <form className="flex flex-col gap-4" onSubmit={onSubmit} data-testid="add-number-form">
            <Field id="phone" label={t('add.phone')} help={t('add.phoneHelp')}>
              <Input id="phone" inputMode="tel" required value={phoneNumber} onChange={(e) => setPhone(e.target.value)} placeholder="5511999999999" aria-describedby="phone-help" data-testid="add-phone" />
            </Field>
            <Field id="name" label={t('add.name')}>
              <Input id="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} data-testid="add-name" />
            </Field>
            <div className="flex items-center gap-2">
              <Checkbox id="autostart" checked={autoStart} onCheckedChange={(v) => setAutoStart(v === true)} />
              <Label htmlFor="autostart">{t('add.autoStart')}</Label>
            </div>
            {error && <ErrorText testId="add-error">{error}</ErrorText>}
            <Button type="submit" disabled={busy} data-testid="add-submit">
              <Plus aria-hidden /> {t('add.submit')}
            </Button>
          </form>
        </CardContent>
      </Card>
    </>
  );
}
