import { useQueryClient } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { PageTitle } from '../components/layout';
import { Button } from '../components/ui/button';
import { Card, CardContent } from '../components/ui/card';
import { Checkbox } from '../components/ui/checkbox';
import { Input } from '../components/ui/input';
import { Label } from '../components/ui/label';
import { useToast } from '../components/ui/toaster';
import { useT } from '../i18n';
import { api, errorText } from '../lib/api';
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
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const device = await api<Device>('POST', '/devices', { body: { phoneNumber, ...(name.trim() ? { name: name.trim() } : {}), autoStart } });
      await client.invalidateQueries({ queryKey: ['devices'] });
      toast.success(t('add.done', { name: device.name }));
      navigate(autoStart ? `/numbers/${device.phoneNumber}/pair` : `/numbers/${device.phoneNumber}`);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <>
      <PageTitle title={t('add.title')} />
      <Card className="max-w-lg">
        <CardContent>
          <form className="flex flex-col gap-4" onSubmit={(e) => void submit(e)} data-testid="add-number-form">
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="phone">{t('add.phone')}</Label>
              <Input id="phone" inputMode="tel" required value={phoneNumber} onChange={(e) => setPhone(e.target.value)} placeholder="5511999999999" aria-describedby="phone-help" data-testid="add-phone" />
              <p id="phone-help" className="text-xs text-slate-700">
                {t('add.phoneHelp')}
              </p>
            </div>
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="name">{t('add.name')}</Label>
              <Input id="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} data-testid="add-name" />
            </div>
            <div className="flex items-center gap-2">
              <Checkbox id="autostart" checked={autoStart} onCheckedChange={(v) => setAutoStart(v === true)} />
              <Label htmlFor="autostart">{t('add.autoStart')}</Label>
            </div>
            {error && (
              <p className="text-sm text-red-800" role="alert" data-testid="add-error">
                {error}
              </p>
            )}
            <Button type="submit" disabled={busy} data-testid="add-submit">
              <Plus aria-hidden /> {t('add.submit')}
            </Button>
          </form>
        </CardContent>
      </Card>
    </>
  );
}
