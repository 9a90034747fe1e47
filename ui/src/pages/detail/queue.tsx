import { useQuery } from '@tanstack/react-query';
import { Play, RotateCcw, Save } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { useAction } from '../../components/use-action';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../components/ui/card';
import { Input } from '../../components/ui/input';
import { ErrorText, Field } from '../../components/ui/field';
import { useI18n } from '../../i18n';
import { api, errorText } from '../../lib/api';
import { dateTime } from '../../lib/format';
import type { QueueStatus } from '../../lib/types';

/** The queue; its pacing and resume are for those who may manage it (others see the form disabled). */
export function QueueTab({ phone, canManage }: { phone: string; canManage: boolean }) {
  const { t, language } = useI18n();
  const { busy, run } = useAction();
  const queue = useQuery({ queryKey: ['queue', phone], queryFn: ({ signal }) => api<QueueStatus>('GET', `/devices/${phone}/queue`, { signal }) });
  const [form, setForm] = useState({ concurrency: '', interval: '', intervalCap: '' });
  const q = queue.data;
  useEffect(() => {
    if (q) setForm({ concurrency: String(q.policy.concurrency), interval: String(q.policy.interval), intervalCap: String(q.policy.intervalCap) });
  }, [q]);
  if (queue.error) return <ErrorText>{errorText(queue.error)}</ErrorText>;
  if (!q) return <p>{t('common.loading')}</p>;

  const save = (event: FormEvent) => {
    event.preventDefault();
    const body = { concurrency: Number(form.concurrency), interval: Number(form.interval), intervalCap: Number(form.intervalCap) };
    void run('save', () => api<QueueStatus>('PATCH', `/devices/${phone}/queue`, { body }), { success: t('queue.saved'), invalidate: [['queue', phone]] });
  };
  const field = (key: keyof typeof form, label: string, help: string) => (
    <Field id={`q-${key}`} label={label} help={help}>
      <Input id={`q-${key}`} type="number" min={key === 'interval' ? 0 : 1} required value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} aria-describedby={`q-${key}-help`} data-testid={`queue-${key}`} />
    </Field>
  );

  return (
    <div className="grid gap-4 md:grid-cols-2">
      <Card>
        <CardHeader>
          <CardTitle>{t('queue.title')}</CardTitle>
          {q.paused ? <Badge tone="amber" data-testid="queue-paused">{t('queue.paused')}</Badge> : <Badge tone="green">{t('queue.active')}</Badge>}
        </CardHeader>
        <CardContent>
          <dl className="grid grid-cols-2 gap-3 text-sm">
            <dt className="text-slate-700">{t('queue.depth')}</dt>
            <dd data-testid="queue-depth">{q.depth}</dd>
            <dt className="text-slate-700">{t('queue.inFlight')}</dt>
            <dd>{q.inFlight}</dd>
            <dt className="text-slate-700">{t('queue.reason')}</dt>
            <dd>{q.reason ?? '—'}</dd>
            <dt className="text-slate-700">{t('queue.until')}</dt>
            <dd>{dateTime(q.pausedUntil, language)}</dd>
          </dl>
          {canManage && q.paused && (
            <Button className="mt-4" onClick={() => void run('resume', () => api('POST', `/devices/${phone}/queue/resume`), { success: t('queue.resumed'), invalidate: [['queue', phone]] })} disabled={busy !== null} data-testid="queue-resume">
              <Play aria-hidden /> {t('queue.resume')}
            </Button>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t('queue.policy')}</CardTitle>
          <Badge tone={q.customPolicy ? 'blue' : 'slate'}>{q.customPolicy ? t('queue.custom') : t('queue.default')}</Badge>
        </CardHeader>
        <CardContent>
          <form className="flex flex-col gap-3" onSubmit={save} data-testid="queue-form">
            <fieldset className="contents" disabled={!canManage}>
            {field('concurrency', t('queue.concurrency'), t('queue.concurrencyHelp'))}
            {field('interval', t('queue.interval'), t('queue.intervalHelp'))}
            {field('intervalCap', t('queue.intervalCap'), t('queue.intervalCapHelp'))}
            <div className="flex gap-2">
              <Button type="submit" disabled={busy !== null} data-testid="queue-save">
                <Save aria-hidden /> {t('common.save')}
              </Button>
              {q.customPolicy && (
                <Button variant="secondary" disabled={busy !== null} onClick={() => void run('reset', () => api('PATCH', `/devices/${phone}/queue`, { body: { reset: true } }), { success: t('queue.resetDone'), invalidate: [['queue', phone]] })}>
                  <RotateCcw aria-hidden /> {t('queue.reset')}
                </Button>
              )}
            </div>
            </fieldset>
            {!canManage && <p className="text-xs text-slate-700" data-testid="queue-readonly">{t('access.readOnly')}</p>}
          </form>
        </CardContent>
      </Card>
    </div>
  );
}
