import { useInfiniteQuery } from '@tanstack/react-query';
import { Card } from '../../components/ui/card';
import { Button } from '../../components/ui/button';
import { Badge, type Tone } from '../../components/ui/badge';
import { useI18n } from '../../i18n';
import type { Key } from '../../i18n/en';
import { api, errorText } from '../../lib/api';
import { dateTime } from '../../lib/format';
import type { TimelineEntry } from '../../lib/types';
import { ErrorText } from '../../components/ui/field';

const TONE: Record<string, Tone> = { crashed: 'red', gave_up: 'red', start_failed: 'red', unhealthy: 'red', replaced: 'amber', watchdog_killed: 'amber', ready: 'green', session: 'blue', start: 'slate', stop: 'slate', exited: 'slate' };
const KNOWN = new Set(['registered', 'start', 'ready', 'stop', 'exited', 'crashed', 'gave_up', 'replaced', 'session', 'start_failed', 'unhealthy', 'restore_skipped', 'stale_pid', 'watchdog_killed']);

/** The number's supervision history (device_events), newest first; refreshed by live state changes. */
export function TimelineTab({ phone }: { phone: string }) {
  const { t, language } = useI18n();
  const timeline = useInfiniteQuery({
    queryKey: ['timeline', phone],
    queryFn: ({ pageParam, signal }) => api<{ entries: TimelineEntry[]; hasMore: boolean }>('GET', `/devices/${phone}/timeline?limit=50${pageParam ? `&before=${pageParam}` : ''}`, { signal }),
    initialPageParam: 0,
    getNextPageParam: (last) => (last.hasMore ? (last.entries.at(-1)?.id ?? undefined) : undefined),
  });
  const entries = timeline.data?.pages.flatMap((p) => p.entries) ?? [];

  const describe = (e: TimelineEntry): string => {
    const parts: string[] = [];
    if (e.fromState || e.toState) parts.push(`${e.fromState ?? '—'} → ${e.toState ?? '—'}`);
    if (e.detail?.exitCode !== undefined || e.detail?.signal !== undefined) {
      if (e.detail?.exitCode !== null && e.detail?.exitCode !== undefined) parts.push(t('timeline.exitCode', { code: e.detail.exitCode }));
      if (e.detail?.signal) parts.push(t('timeline.signal', { signal: e.detail.signal }));
    }
    if (e.detail?.reason) parts.push(String(e.detail.reason));
    if (e.detail?.jid) parts.push(String(e.detail.jid));
    return parts.join(' · ');
  };

  return (
    <Card>
      {timeline.error && <ErrorText padded>{errorText(timeline.error)}</ErrorText>}
      <ol className="divide-y divide-slate-100" data-testid="timeline">
        {entries.map((e) => (
          <li key={e.id} className="flex flex-wrap items-start gap-3 px-4 py-2 text-sm" data-testid="timeline-entry" data-type={e.type}>
            <time className="w-40 shrink-0 tabular-nums text-slate-700" dateTime={e.at}>
              {dateTime(e.at, language)}
            </time>
            <Badge tone={TONE[e.type] ?? 'slate'}>{KNOWN.has(e.type) ? t(`timeline.type.${e.type}` as Key) : e.type}</Badge>
            <span className="min-w-0 flex-1 break-words text-slate-800">{describe(e)}</span>
          </li>
        ))}
      </ol>
      {entries.length === 0 && !timeline.isLoading && <p className="p-4 text-sm text-slate-700">{t('timeline.empty')}</p>}
      {timeline.hasNextPage && (
        <div className="p-3">
          <Button variant="secondary" size="sm" onClick={() => void timeline.fetchNextPage()} disabled={timeline.isFetchingNextPage}>
            {t('common.older')}
          </Button>
        </div>
      )}
    </Card>
  );
}
