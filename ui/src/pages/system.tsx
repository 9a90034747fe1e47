import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Download, RefreshCw, Search } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import { PageTitle } from '../components/layout';
import { useAction } from '../components/use-action';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../components/ui/card';
import { ConfirmDialog } from '../components/ui/dialog';
import { Table, Td, Thead } from '../components/ui/table';
import { useI18n } from '../i18n';
import { api, ApiError, errorText } from '../lib/api';
import { bytes, dateTime, duration, percent } from '../lib/format';
import { ErrorText } from '../components/ui/field';
import { ClusterCard } from './system-cluster';

interface SystemFigures {
  host: { cpus: number; loadAverage: number[]; memory: { totalBytes: number; freeBytes: number }; uptimeSeconds: number };
  gateway: { pid: number; uptimeSeconds: number; cpuPercent: number; memory: { rssBytes: number; heapUsedBytes: number }; eventLoopDelayMs: { p50: number; p99: number; max: number } };
  disks: { path: string; freeBytes: number; totalBytes: number; usedPercent: number }[];
}
interface UpdateStatus {
  mode: string;
  current: string | null;
  latest: string | null;
  available: boolean;
  checkedAt: string | null;
  error: string | null;
  inProgress: boolean;
  lastRollout: { ok: boolean; version: string; reason: string | null; at: string } | null;
}
interface Backlog {
  status: string;
  endpoints: { endpoint: string; scope: string; pending: number; retrying: number; dead: number; inFlight: number; oldestPendingAt: string | null }[];
  totals: { pending: number; retrying: number; dead: number };
}
interface Restore {
  restored: string[];
  skipped: { phoneNumber: string; reason: string }[];
  failed: { phoneNumber: string; reason: string }[];
  finishedAt: string | null;
}
interface Detailed {
  status: 'ok' | 'unhealthy';
  problems: string[];
  version: { gateway: string; binary: string | null };
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-slate-700">{label}</dt>
      <dd className="tabular-nums">{children}</dd>
    </>
  );
}

/** Host figures, binary version and updates, webhook backlog, last boot restore, overall health (admin). */
export function SystemPage() {
  const { t, language } = useI18n();
  const client = useQueryClient();
  const { busy, run } = useAction();
  const [confirmApply, setConfirmApply] = useState(false);
  const system = useQuery({ queryKey: ['system'], queryFn: ({ signal }) => api<SystemFigures>('GET', '/health/system', { signal }) });
  const update = useQuery({ queryKey: ['update'], queryFn: ({ signal }) => api<UpdateStatus>('GET', '/system/update', { signal }) });
  const backlog = useQuery({ queryKey: ['backlog'], queryFn: ({ signal }) => api<Backlog>('GET', '/health/webhooks', { signal }) });
  const restore = useQuery({ queryKey: ['restore'], queryFn: ({ signal }) => api<Restore>('GET', '/health/restore', { signal }) });
  // 503 carries the same report (naming the problems): show it rather than an error.
  const detailed = useQuery({
    queryKey: ['detailed'],
    queryFn: ({ signal }) =>
      api<Detailed>('GET', '/health/detailed', { signal }).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 503 && (err.body as Detailed | null)?.problems) return err.body as Detailed;
        throw err;
      }),
  });
  const refresh = () => ['system', 'update', 'backlog', 'restore', 'detailed', 'cluster'].forEach((k) => void client.invalidateQueries({ queryKey: [k] }));

  const s = system.data;
  const u = update.data;
  return (
    <>
      <PageTitle title={t('system.title')}>
        <Button variant="secondary" onClick={refresh} data-testid="system-refresh">
          <RefreshCw aria-hidden /> {t('common.refresh')}
        </Button>
      </PageTitle>
      {detailed.error && (
        <Card className="mb-4">
          <CardContent>
            <ErrorText>{errorText(detailed.error)}</ErrorText>
          </CardContent>
        </Card>
      )}
      {detailed.data && (
        <Card className="mb-4" data-testid="system-health">
          <CardContent className="flex flex-wrap items-center gap-3">
            <Badge tone={detailed.data.status === 'ok' ? 'green' : 'red'}>{detailed.data.status === 'ok' ? t('system.healthy') : t('system.unhealthy')}</Badge>
            {detailed.data.problems.length === 0 ? <span className="text-sm">{t('system.noProblems')}</span> : <ul className="list-disc pl-5 text-sm text-red-800">{detailed.data.problems.map((p) => <li key={p}>{p}</li>)}</ul>}
          </CardContent>
        </Card>
      )}
      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>{t('system.host')}</CardTitle>
          </CardHeader>
          <CardContent>
            {system.error && <ErrorText>{errorText(system.error)}</ErrorText>}
            {s && (
              <dl className="grid grid-cols-2 gap-2 text-sm" data-testid="system-host">
                <Row label={t('system.cpus')}>{s.host.cpus}</Row>
                <Row label={t('system.load')}>{s.host.loadAverage.map((l) => l.toFixed(2)).join(' / ')}</Row>
                <Row label={t('system.memory')}>
                  {bytes(s.host.memory.totalBytes - s.host.memory.freeBytes)} / {bytes(s.host.memory.totalBytes)}
                </Row>
                <Row label={t('system.hostUptime')}>{duration(s.host.uptimeSeconds)}</Row>
                <Row label={t('system.gatewayCpu')}>{percent(s.gateway.cpuPercent)}</Row>
                <Row label={t('system.gatewayRss')}>{bytes(s.gateway.memory.rssBytes)}</Row>
                <Row label={t('system.eventLoop')}>
                  p50 {s.gateway.eventLoopDelayMs.p50} ms · p99 {s.gateway.eventLoopDelayMs.p99} ms · max {s.gateway.eventLoopDelayMs.max} ms
                </Row>
                <Row label={t('system.gatewayUptime')}>{duration(s.gateway.uptimeSeconds)}</Row>
                {s.disks.map((d) => (
                  <Row key={d.path} label={`${t('system.disk')} ${d.path}`}>
                    {bytes(d.freeBytes)} {t('system.free')} ({d.usedPercent} %)
                  </Row>
                ))}
              </dl>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t('system.binary')}</CardTitle>
            {u?.available && <Badge tone="amber">{t('system.updateAvailable')}</Badge>}
          </CardHeader>
          <CardContent>
            {update.error && <ErrorText>{errorText(update.error)}</ErrorText>}
            {u && (
              <dl className="grid grid-cols-2 gap-2 text-sm" data-testid="system-update">
                <Row label={t('system.gatewayVersion')}>{detailed.data?.version.gateway ?? '—'}</Row>
                <Row label={t('system.current')}>{u.current ?? '—'}</Row>
                <Row label={t('system.latest')}>{u.latest ?? '—'}</Row>
                <Row label={t('system.mode')}>{u.mode}</Row>
                <Row label={t('system.checkedAt')}>{dateTime(u.checkedAt, language)}</Row>
                {u.error && <Row label={t('system.checkError')}>{u.error}</Row>}
                {u.lastRollout && (
                  <Row label={t('system.lastRollout')}>
                    {u.lastRollout.version} {u.lastRollout.ok ? '✓' : `✗ ${u.lastRollout.reason ?? ''}`}
                  </Row>
                )}
              </dl>
            )}
            <div className="mt-4 flex gap-2">
              <Button variant="secondary" disabled={busy !== null} onClick={() => void run('check', () => api<UpdateStatus>('POST', '/system/update/check'), { success: (r) => (r.available ? t('system.newer', { v: r.latest ?? '' }) : t('system.upToDate')), invalidate: [['update']] })} data-testid="update-check">
                <Search aria-hidden /> {t('system.check')}
              </Button>
              <Button disabled={busy !== null || !u?.available || u.inProgress} onClick={() => setConfirmApply(true)} data-testid="update-apply">
                <Download aria-hidden /> {t('system.apply')}
              </Button>
            </div>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t('system.backlog')}</CardTitle>
            {backlog.data && <span className="text-sm">{t('system.backlogTotals', backlog.data.totals)}</span>}
          </CardHeader>
          <Table data-testid="system-backlog" aria-label={t('system.backlog')}>
            <Thead columns={[t('deliveries.endpoint'), t('delivery.pending'), t('delivery.failed'), t('delivery.dead'), t('system.inFlight')]} />
            <tbody>
              {(backlog.data?.endpoints ?? []).map((e) => (
                <tr key={`${e.scope}-${e.endpoint}`}>
                  <Td className="max-w-60 truncate text-xs">{e.endpoint}</Td>
                  <Td>{e.pending}</Td>
                  <Td>{e.retrying}</Td>
                  <Td>{e.dead}</Td>
                  <Td>{e.inFlight}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
          {backlog.data?.endpoints.length === 0 && <p className="p-4 text-sm text-slate-700">{t('system.noBacklog')}</p>}
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t('system.restore')}</CardTitle>
            <span className="text-sm">{dateTime(restore.data?.finishedAt, language)}</span>
          </CardHeader>
          <CardContent className="text-sm" data-testid="system-restore">
            {restore.data && (
              <>
                <p>{t('system.restored', { n: restore.data.restored.length })}</p>
                {restore.data.failed.length > 0 && (
                  <ul className="mt-2 list-disc pl-5 text-red-800">
                    {restore.data.failed.map((f) => (
                      <li key={f.phoneNumber}>
                        +{f.phoneNumber}: {f.reason}
                      </li>
                    ))}
                  </ul>
                )}
                {restore.data.skipped.length > 0 && (
                  <ul className="mt-2 list-disc pl-5 text-slate-700">
                    {restore.data.skipped.map((f) => (
                      <li key={f.phoneNumber}>
                        +{f.phoneNumber}: {f.reason}
                      </li>
                    ))}
                  </ul>
                )}
              </>
            )}
          </CardContent>
        </Card>
        <ClusterCard />
      </div>
      <ConfirmDialog
        open={confirmApply}
        onOpenChange={setConfirmApply}
        title={t('system.applyTitle', { v: u?.latest ?? '' })}
        description={t('system.applyText')}
        confirm={t('system.apply')}
        cancel={t('common.cancel')}
        onConfirm={() => void run('apply', () => api<UpdateStatus>('POST', '/system/update/apply'), { success: t('system.applied'), invalidate: [['update']] })}
      />
    </>
  );
}
