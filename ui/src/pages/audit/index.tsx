import { useInfiniteQuery } from '@tanstack/react-query';
import { ChevronDown, Download, Search, ShieldCheck } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { NumberSelect } from '../../components/number-select';
import { PageTitle } from '../../components/layout';
import { useAction } from '../../components/use-action';
import { Badge, type Tone } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card } from '../../components/ui/card';
import { ErrorText } from '../../components/ui/field';
import { Input, Select } from '../../components/ui/input';
import { Table, Td, Thead } from '../../components/ui/table';
import { useI18n } from '../../i18n';
import { useAccess } from '../../lib/access';
import { api, apiBlob, errorText, saveBlob } from '../../lib/api';
import { dateTime } from '../../lib/format';

interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: { readonly type: 'user' | 'api_key' | 'system' | 'anonymous'; readonly id: number | null; readonly name: string | null; readonly keyId: string | null };
  readonly ip: string | null;
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string } | null;
  readonly phoneNumber: string | null;
  readonly params: Record<string, unknown> | null;
  readonly result: 'ok' | 'denied' | 'error';
  readonly httpStatus: number | null;
  readonly errorCode: string | null;
}

interface Filter {
  readonly actor: string;
  readonly action: string;
  readonly number: string;
  readonly result: '' | AuditEntry['result'];
  readonly from: string;
  readonly to: string;
}

const EMPTY: Filter = { actor: '', action: '', number: '', result: '', from: '', to: '' };
const RESULT_TONE: Record<AuditEntry['result'], Tone> = { ok: 'green', denied: 'red', error: 'amber' };

/** The API's query for a filter (`datetime-local` values are local time: sent as ISO instants). */
function queryOf(filter: Filter): URLSearchParams {
  const query = new URLSearchParams();
  if (filter.actor.trim()) query.set('actor', filter.actor.trim());
  if (filter.action.trim()) query.set('action', filter.action.trim());
  if (filter.number) query.set('number', filter.number);
  if (filter.result) query.set('result', filter.result);
  if (filter.from) query.set('from', new Date(filter.from).toISOString());
  if (filter.to) query.set('to', new Date(filter.to).toISOString());
  return query;
}

function actorText(entry: AuditEntry, t: (key: 'audit.actor.system' | 'audit.actor.anonymous' | 'audit.actor.key', vars?: Record<string, string>) => string): string {
  if (entry.actor.type === 'system') return t('audit.actor.system');
  if (entry.actor.type === 'anonymous') return t('audit.actor.anonymous');
  const name = entry.actor.name ?? `#${entry.actor.id ?? '?'}`;
  return entry.actor.keyId ? t('audit.actor.key', { name, key: entry.actor.keyId }) : name;
}

/** The audit log: every change and every refused attempt, filtered, newest first, a page at a time; export; chain check. */
export default function AuditPage() {
  const { t, language } = useI18n();
  const access = useAccess();
  const { busy, run } = useAction();
  const [draft, setDraft] = useState<Filter>(EMPTY);
  const [filter, setFilter] = useState<Filter>(EMPTY);
  const [verdict, setVerdict] = useState<{ ok: boolean; checked: number; problem?: { id: number; reason: string } } | null>(null);
  const admin = access.can('users:manage');

  const pages = useInfiniteQuery({
    queryKey: ['audit', filter],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const query = queryOf(filter);
      query.set('limit', '50');
      if (pageParam) query.set('cursor', pageParam);
      return api<{ entries: AuditEntry[]; nextCursor: string | null }>('GET', `/audit?${query.toString()}`, { signal });
    },
    getNextPageParam: (last) => last.nextCursor,
    staleTime: 0,
  });
  const entries = pages.data?.pages.flatMap((p) => p.entries) ?? [];
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilter(draft);
  };
  const field = (key: keyof Filter) => ({ value: draft[key], onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value }) });

  return (
    <>
      <PageTitle title={t('audit.title')}>
        <Button variant="secondary" disabled={busy !== null} onClick={() => void run('export', async () => saveBlob(await apiBlob(`/audit/export?${queryOf(filter).toString()}`), 'audit.ndjson'))} data-testid="audit-export">
          <Download aria-hidden /> {t('audit.export')}
        </Button>
        {admin && (
          <Button
            variant="secondary"
            disabled={busy !== null}
            onClick={() => void run('verify', async () => setVerdict(await api<{ ok: boolean; checked: number; problem?: { id: number; reason: string } }>('GET', '/audit/verify')))}
            data-testid="audit-verify"
          >
            <ShieldCheck aria-hidden /> {t('audit.verify')}
          </Button>
        )}
      </PageTitle>
      {verdict && (
        <p className={verdict.ok ? 'mb-3 text-sm text-emerald-900' : 'mb-3 text-sm text-red-800'} role="status" data-testid="audit-verdict">
          {verdict.ok ? t('audit.verified', { n: verdict.checked }) : t('audit.broken', { id: verdict.problem?.id ?? '?', reason: verdict.problem?.reason ?? '' })}
        </p>
      )}
      <Card>
        <form className="flex flex-wrap items-end gap-3 border-b border-slate-200 p-3" onSubmit={apply} aria-label={t('audit.filters')} data-testid="audit-filters">
          <label className="flex flex-col gap-1 text-xs font-medium">
            {t('audit.actor')}
            <Input className="w-36" placeholder={t('audit.actorPlaceholder')} {...field('actor')} data-testid="audit-actor" />
          </label>
          <label className="flex flex-col gap-1 text-xs font-medium">
            {t('audit.action')}
            <Input className="w-40" placeholder="number.*" {...field('action')} data-testid="audit-action" />
          </label>
          <label className="flex flex-col gap-1 text-xs font-medium">
            {t('audit.number')}
            <NumberSelect allLabel={t('common.all')} {...field('number')} data-testid="audit-number" />
          </label>
          <label className="flex flex-col gap-1 text-xs font-medium">
            {t('audit.result')}
            <Select {...field('result')} data-testid="audit-result">
              <option value="">{t('common.all')}</option>
              {(['ok', 'denied', 'error'] as const).map((r) => (
                <option key={r} value={r}>
                  {t(`audit.result.${r}`)}
                </option>
              ))}
            </Select>
          </label>
          <label className="flex flex-col gap-1 text-xs font-medium">
            {t('audit.from')}
            <Input type="datetime-local" className="w-52" {...field('from')} data-testid="audit-from" />
          </label>
          <label className="flex flex-col gap-1 text-xs font-medium">
            {t('audit.to')}
            <Input type="datetime-local" className="w-52" {...field('to')} data-testid="audit-to" />
          </label>
          <Button type="submit" data-testid="audit-apply">
            <Search aria-hidden /> {t('audit.apply')}
          </Button>
          <Button
            variant="ghost"
            onClick={() => {
              setDraft(EMPTY);
              setFilter(EMPTY);
            }}
          >
            {t('audit.reset')}
          </Button>
        </form>
        {pages.error && <ErrorText padded>{errorText(pages.error)}</ErrorText>}
        <Table data-testid="audit-table" aria-label={t('audit.title')}>
          <Thead columns={[t('audit.at'), t('audit.actor'), t('audit.action'), t('audit.target'), t('audit.number'), t('audit.result'), t('audit.address'), t('audit.params')]} />
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-testid="audit-entry" data-id={e.id} data-action={e.action} data-result={e.result}>
                <Td className="whitespace-nowrap text-xs tabular-nums">{dateTime(e.at, language)}</Td>
                <Td className="text-xs" data-testid="audit-entry-actor">
                  {actorText(e, t)}
                </Td>
                <Td className="font-mono text-xs">{e.action}</Td>
                <Td className="max-w-40 truncate text-xs">{e.target ? `${e.target.type} ${e.target.id}` : ''}</Td>
                <Td className="text-xs">{e.phoneNumber ? `+${e.phoneNumber}` : ''}</Td>
                <Td className="whitespace-nowrap">
                  <Badge tone={RESULT_TONE[e.result]}>{t(`audit.result.${e.result}`)}</Badge>
                  {(e.httpStatus !== null || e.errorCode) && <span className="ml-1 text-xs text-slate-700">{[e.httpStatus, e.errorCode].filter((v) => v !== null).join(' ')}</span>}
                </Td>
                <Td className="text-xs">{e.ip ?? ''}</Td>
                <Td className="text-xs">
                  {e.params && (
                    <details>
                      <summary className="cursor-pointer">{t('audit.show')}</summary>
                      <pre className="max-w-80 overflow-auto whitespace-pre-wrap text-xs">{JSON.stringify(e.params, null, 2)}</pre>
                    </details>
                  )}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
        {pages.data && entries.length === 0 && (
          <p className="p-4 text-sm text-slate-700" data-testid="audit-empty">
            {t('audit.none')}
          </p>
        )}
        {pages.hasNextPage && (
          <div className="flex justify-center p-3">
            <Button variant="secondary" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage} data-testid="audit-more">
              <ChevronDown aria-hidden /> {t('common.older')}
            </Button>
          </div>
        )}
      </Card>
    </>
  );
}
