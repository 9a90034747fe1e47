import { History, Pause, Play, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { Button } from '../../components/ui/button';
import { Card, CardHeader, CardTitle } from '../../components/ui/card';
import { Input, Select } from '../../components/ui/input';
import { Label } from '../../components/ui/label';
import { useToast } from '../../components/ui/toaster';
import { useI18n } from '../../i18n';
import { api, errorText } from '../../lib/api';
import { time } from '../../lib/format';
import { useLiveEvents } from '../../lib/live';
import type { FeedMessage } from '../../lib/types';

const MAX = 500;

/** A few words about an event, so the list reads without opening each one. */
function gist(e: FeedMessage): string {
  if (e.type === 'status') return `${e.from ?? ''} → ${e.to ?? ''}${e.reason ? ` · ${e.reason}` : ''}`;
  if (e.type === 'ready') return e.jid ?? '';
  if (e.type === 'message') return String(e.payload?.['body'] ?? '').slice(0, 80);
  if (e.type === 'ack') return String(e.payload?.['receipt_type'] ?? '');
  return '';
}
const TYPES = ['qr', 'ready', 'message', 'ack', 'logged_out', 'status', 'raw'] as const;

/** Live events of the number as Socket.IO delivers them, plus a replay of stored ones from any sequence number. */
export function EventsTab({ phone }: { phone: string }) {
  const { t, language } = useI18n();
  const toast = useToast();
  const [events, setEvents] = useState<FeedMessage[]>([]);
  const [paused, setPaused] = useState(false);
  const [type, setType] = useState('');
  const [since, setSince] = useState('0');
  const [loading, setLoading] = useState(false);

  useLiveEvents((event) => {
    if (paused || event.kind !== 'message') return;
    setEvents((all) => [event.message, ...all].slice(0, MAX));
  }, phone);

  const replay = async (event: FormEvent) => {
    event.preventDefault();
    setLoading(true);
    try {
      const page = await api<{ events: FeedMessage[]; hasMore: boolean }>('GET', `/devices/${phone}/events?since=${Number(since) || 0}&limit=500`);
      const seen = new Set(page.events.map((e) => e.seq));
      setEvents((all) => [...[...page.events].reverse(), ...all.filter((e) => !seen.has(e.seq))].sort((a, b) => b.seq - a.seq).slice(0, MAX));
      toast.success(t('events.replayed', { n: page.events.length }));
    } catch (err) {
      toast.error(errorText(err));
    } finally {
      setLoading(false);
    }
  };
  const shown = type ? events.filter((e) => e.type === type) : events;

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t('events.title')}</CardTitle>
        <div className="flex flex-wrap items-end gap-2">
          <form className="flex items-end gap-2" onSubmit={(e) => void replay(e)}>
            <div className="flex flex-col gap-1">
              <Label htmlFor="since">{t('events.since')}</Label>
              <Input id="since" type="number" min={0} className="w-28" value={since} onChange={(e) => setSince(e.target.value)} data-testid="events-since" />
            </div>
            <Button type="submit" variant="secondary" size="sm" disabled={loading} data-testid="events-replay">
              <History aria-hidden /> {t('events.replay')}
            </Button>
          </form>
          <label className="flex flex-col gap-1 text-sm font-medium">
            {t('events.type')}
            <Select value={type} onChange={(e) => setType(e.target.value)}>
              <option value="">{t('common.all')}</option>
              {TYPES.map((tp) => (
                <option key={tp} value={tp}>
                  {tp}
                </option>
              ))}
            </Select>
          </label>
          <Button variant="secondary" size="sm" onClick={() => setPaused(!paused)} aria-pressed={paused}>
            {paused ? <Play aria-hidden /> : <Pause aria-hidden />} {paused ? t('events.resume') : t('events.pause')}
          </Button>
          <Button variant="secondary" size="sm" onClick={() => setEvents([])}>
            <Trash2 aria-hidden /> {t('events.clear')}
          </Button>
        </div>
      </CardHeader>
      <ol className="max-h-[32rem] divide-y divide-slate-100 overflow-auto" data-testid="event-list">
        {shown.map((e) => (
          <li key={`${e.seq}-${e.eventId}`} className="px-4 py-1.5 text-sm" data-testid="event-row" data-seq={e.seq} data-type={e.type}>
            <details>
              <summary className="cursor-pointer">
                <span className="tabular-nums text-slate-700">#{e.seq}</span> <span className="tabular-nums text-slate-700">{time(e.at, language)}</span> <strong className="font-mono">{e.type}</strong> <span className="font-mono text-xs text-slate-700">{e.event}</span> <span className="text-slate-800">{gist(e)}</span>
              </summary>
              <pre className="mt-1 overflow-auto rounded bg-slate-100 p-2 text-xs">{JSON.stringify({ ...e, qr: e.qr ? `${e.qr.slice(0, 40)}…` : undefined }, null, 2)}</pre>
            </details>
          </li>
        ))}
      </ol>
      {shown.length === 0 && <p className="p-4 text-sm text-slate-700">{t('events.empty')}</p>}
    </Card>
  );
}
