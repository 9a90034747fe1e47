import { useQueryClient } from '@tanstack/react-query';
import { CheckCircle2, Loader2, Play, Plus, QrCode, RefreshCw, RotateCw, Square, XCircle } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { PageTitle } from '../components/layout';
import { SessionBadge, StateBadge } from '../components/state-badges';
import { Button } from '../components/ui/button';
import { Card } from '../components/ui/card';
import { Checkbox } from '../components/ui/checkbox';
import { ConfirmDialog } from '../components/ui/dialog';
import { Input, Select } from '../components/ui/input';
import { Table, Td, Thead } from '../components/ui/table';
import { useToast } from '../components/ui/toaster';
import { useI18n } from '../i18n';
import type { Key } from '../i18n/en';
import { api, errorText } from '../lib/api';
import { bytes, duration, percent, time } from '../lib/format';
import { useAccess } from '../lib/access';
import { useDeviceHealth, useDevices, useUnread } from '../lib/queries';
import { Link } from '../lib/router';
import { DEVICE_STATES, type Device, type DeviceHealth } from '../lib/types';
import { eachLimited } from '../lib/utils';
import { ErrorText } from '../components/ui/field';

type Row = Device & { health: DeviceHealth | undefined; unread: { chats: number; messages: number } | undefined };
type SortKey = 'name' | 'state' | 'uptime' | 'restarts' | 'queue' | 'unread' | 'rss' | 'cpu' | 'lastEvent';
type BulkAction = 'start' | 'stop' | 'restart';
type Progress = Record<string, { status: 'pending' | 'ok' | 'error'; message?: string }>;

const SORTERS: Record<SortKey, (a: Row, b: Row) => number> = {
  name: (a, b) => a.name.localeCompare(b.name) || a.phoneNumber.localeCompare(b.phoneNumber),
  state: (a, b) => DEVICE_STATES.indexOf(a.state) - DEVICE_STATES.indexOf(b.state),
  uptime: (a, b) => (b.health?.uptimeSeconds ?? -1) - (a.health?.uptimeSeconds ?? -1),
  restarts: (a, b) => b.restartCount - a.restartCount,
  queue: (a, b) => (b.health?.queueDepth ?? 0) - (a.health?.queueDepth ?? 0),
  unread: (a, b) => (b.unread?.messages ?? 0) - (a.unread?.messages ?? 0),
  rss: (a, b) => (b.health?.rssBytes ?? -1) - (a.health?.rssBytes ?? -1),
  cpu: (a, b) => (b.health?.cpuPercent ?? -1) - (a.health?.cpuPercent ?? -1),
  lastEvent: (a, b) => (b.health?.lastEventAt ?? '').localeCompare(a.health?.lastEventAt ?? ''),
};

/** Uptime ticks on the page between events (the server's figure plus the time since it was read). */
function useSecondsSince(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

export function NumbersPage() {
  const { t, language } = useI18n();
  const toast = useToast();
  const client = useQueryClient();
  const devices = useDevices();
  const health = useDeviceHealth();
  const unread = useUnread();
  const access = useAccess();
  const now = useSecondsSince();
  const [query, setQuery] = useState('');
  const [stateFilter, setStateFilter] = useState<string>('all');
  const [sessionFilter, setSessionFilter] = useState<string>('all');
  const [sort, setSort] = useState<SortKey>('name');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [progress, setProgress] = useState<Progress>({});
  const [confirm, setConfirm] = useState<BulkAction | null>(null);
  const [running, setRunning] = useState(false);

  const list = devices.data?.devices;

  const rows = useMemo<Row[]>(() => {
    const byPhone = new Map((health.data?.devices ?? []).map((h) => [h.phoneNumber, h]));
    const unreadOf = new Map((unread.data?.numbers ?? []).map((u) => [u.phoneNumber, u]));
    const q = query.trim().toLowerCase();
    return (list ?? [])
      .map((d) => ({ ...d, health: byPhone.get(d.phoneNumber), unread: unreadOf.get(d.phoneNumber) }))
      .filter((d) => stateFilter === 'all' || d.state === stateFilter)
      .filter((d) => sessionFilter === 'all' || d.sessionState === sessionFilter)
      .filter((d) => q === '' || d.name.toLowerCase().includes(q) || d.phoneNumber.includes(q) || (d.jid ?? '').includes(q))
      .sort(SORTERS[sort]);
  }, [list, health.data, unread.data, query, stateFilter, sessionFilter, sort]);

  const healthAt = health.dataUpdatedAt;
  const uptime = (row: Row) => (row.state === 'running' && row.health?.uptimeSeconds != null ? row.health.uptimeSeconds + Math.max(0, (now - healthAt) / 1000) : null);
  const visibleSelected = rows.filter((r) => selected.has(r.phoneNumber));
  // Bulk actions only over the numbers this user may start and stop (the API would refuse the others).
  const mayControl = (row: Row) => access.can('numbers:control', row.phoneNumber);
  const controllable = rows.some(mayControl);
  const selectable = rows.filter(mayControl).length;
  const allChecked = selectable > 0 && visibleSelected.length === selectable ? true : visibleSelected.length > 0 ? 'indeterminate' : false;

  const runBulk = async (action: BulkAction) => {
    const phones = visibleSelected.map((r) => r.phoneNumber);
    setRunning(true);
    setProgress(Object.fromEntries(phones.map((p) => [p, { status: 'pending' as const }])));
    let failed = 0;
    await eachLimited(phones, 4, async (phone) => {
      try {
        await api('POST', `/devices/${phone}/${action}`);
        setProgress((p) => ({ ...p, [phone]: { status: 'ok' } }));
      } catch (err) {
        failed++;
        setProgress((p) => ({ ...p, [phone]: { status: 'error', message: errorText(err) } }));
      }
    });
    setRunning(false);
    void client.invalidateQueries({ queryKey: ['devices'] });
    void client.invalidateQueries({ queryKey: ['health-devices'] });
    const done = t(`bulk.done.${action}` as Key, { ok: phones.length - failed, total: phones.length });
    if (failed > 0) toast.error(`${done} ${t('bulk.failed', { n: failed })}`);
    else toast.success(done);
  };

  const toggle = (phone: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(phone);
      else next.delete(phone);
      return next;
    });

  return (
    <>
      <PageTitle title={t('numbers.title')}>
        <Button variant="secondary" onClick={() => ['devices', 'health-devices'].forEach((k) => void client.invalidateQueries({ queryKey: [k] }))} data-testid="numbers-refresh">
          <RefreshCw aria-hidden /> {t('common.refresh')}
        </Button>
        {access.can('numbers:create') && (
          <Button asChild>
            <Link to="/numbers/new" data-testid="add-number">
              <Plus aria-hidden /> {t('numbers.add')}
            </Link>
          </Button>
        )}
      </PageTitle>
      <Card>
        <div className="flex flex-wrap items-end gap-3 border-b border-slate-200 p-3">
          <label className="flex min-w-56 flex-1 flex-col gap-1 text-sm font-medium">
            {t('numbers.search')}
            <Input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('numbers.searchPlaceholder')} data-testid="numbers-search" />
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium">
            {t('numbers.filterState')}
            <Select value={stateFilter} onChange={(e) => setStateFilter(e.target.value)} data-testid="numbers-filter-state">
              <option value="all">{t('common.all')}</option>
              {DEVICE_STATES.map((s) => (
                <option key={s} value={s}>
                  {t(`state.${s}` as Key)}
                </option>
              ))}
            </Select>
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium">
            {t('numbers.filterSession')}
            <Select value={sessionFilter} onChange={(e) => setSessionFilter(e.target.value)} data-testid="numbers-filter-session">
              <option value="all">{t('common.all')}</option>
              {(['logged_in', 'not_logged_in', 'logged_out', 'unknown'] as const).map((s) => (
                <option key={s} value={s}>
                  {t(`session.${s}` as Key)}
                </option>
              ))}
            </Select>
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium">
            {t('numbers.sort')}
            <Select value={sort} onChange={(e) => setSort(e.target.value as SortKey)} data-testid="numbers-sort">
              {(Object.keys(SORTERS) as SortKey[]).map((k) => (
                <option key={k} value={k}>
                  {t(`numbers.sort.${k}` as Key)}
                </option>
              ))}
            </Select>
          </label>
        </div>
        {controllable && (
        <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-slate-50 px-3 py-2 text-sm" role="toolbar" aria-label={t('bulk.toolbar')}>
          <span data-testid="bulk-count">{t('bulk.selected', { n: visibleSelected.length })}</span>
          <Button size="sm" variant="secondary" disabled={visibleSelected.length === 0 || running} onClick={() => void runBulk('start')} data-testid="bulk-start">
            <Play aria-hidden /> {t('action.start')}
          </Button>
          <Button size="sm" variant="secondary" disabled={visibleSelected.length === 0 || running} onClick={() => setConfirm('stop')} data-testid="bulk-stop">
            <Square aria-hidden /> {t('action.stop')}
          </Button>
          <Button size="sm" variant="secondary" disabled={visibleSelected.length === 0 || running} onClick={() => setConfirm('restart')} data-testid="bulk-restart">
            <RotateCw aria-hidden /> {t('action.restart')}
          </Button>
          {running && <Loader2 className="size-4 animate-spin" aria-label={t('common.working')} />}
        </div>
        )}
        <Table data-testid="numbers-table" aria-label={t('numbers.title')}>
          <Thead
            columns={[
              controllable ? (
                <Checkbox key="all" checked={allChecked} onCheckedChange={(on) => setSelected(on === true ? new Set(rows.filter(mayControl).map((r) => r.phoneNumber)) : new Set())} aria-label={t('bulk.selectAll')} data-testid="select-all" />
              ) : (
                { hidden: t('bulk.selectAll') }
              ),
              ...(['number', 'process', 'session', 'uptime', 'restarts', 'queue', 'unread', 'rss', 'cpu', 'lastEvent'] as const).map((c) => t(`numbers.col.${c}`)),
              { hidden: t('numbers.col.actions') },
            ]}
          />
          <tbody>
            {rows.map((row) => {
              const p = progress[row.phoneNumber];
              return (
                <tr key={row.phoneNumber} data-testid={`number-row-${row.phoneNumber}`} className="hover:bg-slate-50">
                  <Td>
                    {mayControl(row) && (
                      <Checkbox checked={selected.has(row.phoneNumber)} onCheckedChange={(on) => toggle(row.phoneNumber, on === true)} aria-label={t('bulk.select', { name: row.name })} data-testid={`select-${row.phoneNumber}`} />
                    )}
                  </Td>
                  <Td>
                    <Link to={`/numbers/${row.phoneNumber}`} className="font-medium text-emerald-900 hover:underline" data-testid={`open-${row.phoneNumber}`}>
                      {row.name}
                    </Link>
                    <div className="font-mono text-xs text-slate-700">+{row.phoneNumber}</div>
                    {p && (
                      <div className="mt-1 flex items-center gap-1 text-xs" data-testid={`progress-${row.phoneNumber}`} data-status={p.status}>
                        {p.status === 'pending' && <Loader2 className="size-3 animate-spin" aria-hidden />}
                        {p.status === 'ok' && <CheckCircle2 className="size-3 text-emerald-700" aria-hidden />}
                        {p.status === 'error' && <XCircle className="size-3 text-red-700" aria-hidden />}
                        <span className={p.status === 'error' ? 'text-red-800' : 'text-slate-700'}>{p.message ?? t(`progress.${p.status}` as Key)}</span>
                      </div>
                    )}
                  </Td>
                  <Td>
                    <StateBadge state={row.state} testId={`state-${row.phoneNumber}`} />
                    {row.lastError && row.state !== 'running' && <div className="mt-1 max-w-48 truncate text-xs text-red-800" title={row.lastError}>{row.lastError}</div>}
                  </Td>
                  <Td>
                    <SessionBadge session={row.sessionState} testId={`session-${row.phoneNumber}`} />
                    {row.jid && <div className="mt-1 font-mono text-xs text-slate-700">{row.jid.split('@')[0]}</div>}
                  </Td>
                  <Td className="tabular-nums">{duration(uptime(row))}</Td>
                  <Td className="tabular-nums" data-testid={`restarts-${row.phoneNumber}`}>{row.restartCount}</Td>
                  <Td className="tabular-nums">{row.health?.queueDepth ?? row.queue?.depth ?? 0}</Td>
                  <Td className="tabular-nums" data-testid={`unread-${row.phoneNumber}`}>
                    {row.unread && row.unread.messages > 0 ? (
                      <Link to={`/chats/${row.phoneNumber}`} className="font-medium text-emerald-900 hover:underline" title={t('numbers.unreadTitle', { messages: row.unread.messages, chats: row.unread.chats })}>
                        {row.unread.messages}
                      </Link>
                    ) : (
                      (row.unread?.messages ?? 0)
                    )}
                  </Td>
                  <Td className="tabular-nums">{bytes(row.health?.rssBytes)}</Td>
                  <Td className="tabular-nums">{percent(row.health?.cpuPercent)}</Td>
                  <Td className="tabular-nums">{time(row.health?.lastEventAt, language)}</Td>
                  <Td>
                    {row.state === 'running' && !row.loggedIn && access.can('numbers:pair', row.phoneNumber) && (
                      <Button asChild size="sm" variant="secondary">
                        <Link to={`/numbers/${row.phoneNumber}/pair`} data-testid={`pair-${row.phoneNumber}`}>
                          <QrCode aria-hidden /> {t('action.pair')}
                        </Link>
                      </Button>
                    )}
                  </Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
        {devices.isLoading && <p className="p-4 text-sm text-slate-700">{t('common.loading')}</p>}
        {devices.error && <ErrorText padded>{errorText(devices.error)}</ErrorText>}
        {list && rows.length === 0 && <p className="p-4 text-sm text-slate-700" data-testid="numbers-empty">{list.length === 0 ? t('numbers.none') : t('numbers.noMatch')}</p>}
      </Card>
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(open) => !open && setConfirm(null)}
        title={confirm ? t(`bulk.confirm.${confirm}` as Key, { n: visibleSelected.length }) : ''}
        description={t('bulk.confirmText', { list: visibleSelected.map((r) => r.name).join(', ') })}
        confirm={confirm ? t(`action.${confirm}` as Key) : ''}
        cancel={t('common.cancel')}
        onConfirm={() => confirm && void runBulk(confirm)}
      />
    </>
  );
}
