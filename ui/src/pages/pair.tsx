import { useQuery, useQueryClient } from '@tanstack/react-query';
import { CheckCircle2, KeyRound, Play, QrCode, RefreshCw } from 'lucide-react';
import { useEffect, useState } from 'react';
import { PageTitle } from '../components/layout';
import { SessionBadge, StateBadge } from '../components/state-badges';
import { useAction } from '../components/use-action';
import { Button } from '../components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../components/ui/card';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../components/ui/tabs';
import { useT } from '../i18n';
import { api, errorText } from '../lib/api';
import { useDevice } from '../lib/queries';
import { Link } from '../lib/router';
import type { QrCode as Qr } from '../lib/types';

/** Seconds until `iso`, ticking. */
function useCountdown(iso: string | undefined): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, []);
  return iso ? Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000)) : null;
}

/**
 * Pairing: the QR appears as soon as the child has one and is replaced by the gateway's pushes (Socket.IO `qr`)
 * each time it expires, until the phone scans it; the state line says what is going on. Or a pairing code.
 */
export function PairPage({ phone }: { phone: string }) {
  const t = useT();
  const client = useQueryClient();
  const device = useDevice(phone);
  const { busy, run } = useAction();
  const [pairCode, setPairCode] = useState<string | null>(null);
  const d = device.data;
  const waiting = d?.state === 'running' && !d.loggedIn;


  const qr = useQuery({
    queryKey: ['qr', phone],
    queryFn: ({ signal }) => api<Qr>('GET', `/devices/${phone}/qr`, { signal }),
    enabled: waiting && pairCode === null,
    // Fresh codes come pushed by the server; the page never asks again on its own.
    staleTime: Infinity,
    retry: false,
    refetchOnWindowFocus: false,
  });
  const left = useCountdown(qr.data?.expiresAt);
  // A pushed code that does not arrive within a few seconds of the expiry: the gateway stopped rotating.
  const stalled = left === 0 && qr.data !== undefined && Date.now() - Date.parse(qr.data.expiresAt) > 8000;

  let line: { text: string; tone: string };
  if (!d) line = { text: t('common.loading'), tone: 'text-slate-700' };
  else if (d.loggedIn) line = { text: t('pair.linked', { jid: d.jid ?? '' }), tone: 'text-emerald-800' };
  else if (d.state === 'failed' || d.state === 'replaced' || d.state === 'backoff') line = { text: t('pair.failed', { reason: d.lastError ?? t(`state.${d.state}`) }), tone: 'text-red-800' };
  else if (d.state !== 'running') line = { text: t('pair.notRunning'), tone: 'text-amber-800' };
  else if (qr.error) line = { text: t('pair.failed', { reason: errorText(qr.error) }), tone: 'text-red-800' };
  else if (pairCode) line = { text: t('pair.codeWaiting'), tone: 'text-slate-800' };
  else if (!qr.data) line = { text: t('pair.fetching'), tone: 'text-slate-700' };
  else if (left === 0) line = { text: stalled ? t('pair.expiredStopped') : t('pair.expired'), tone: 'text-amber-800' };
  else line = { text: t('pair.waiting'), tone: 'text-slate-800' };

  const newCode = () => void client.invalidateQueries({ queryKey: ['qr', phone] });

  return (
    <>
      <PageTitle title={t('pair.title', { name: d?.name ?? phone })}>
        <Button asChild variant="secondary">
          <Link to={`/numbers/${phone}`}>{t('pair.toDetail')}</Link>
        </Button>
      </PageTitle>
      <Card className="max-w-2xl">
        <CardHeader>
          <CardTitle>+{phone}</CardTitle>
          {d && (
            <div className="flex gap-2">
              <StateBadge state={d.state} testId="pair-process-state" />
              <SessionBadge session={d.sessionState} testId="pair-session-state" />
            </div>
          )}
        </CardHeader>
        <CardContent>
          <p className={`mb-4 text-base font-medium ${line.tone}`} role="status" aria-live="polite" data-testid="pair-state">
            {line.text}
          </p>
          {d?.loggedIn ? (
            <div className="flex items-center gap-3 rounded-md bg-emerald-50 p-4" data-testid="pair-linked">
              <CheckCircle2 className="size-8 text-emerald-700" aria-hidden />
              <div>
                <div className="font-medium">{t('pair.linkedTitle')}</div>
                <div className="font-mono text-sm" data-testid="pair-jid">
                  {d.jid}
                </div>
              </div>
            </div>
          ) : d && d.state !== 'running' ? (
            <Button onClick={() => void run('start', () => api('POST', `/devices/${phone}/start`), { success: t('done.start'), invalidate: [['device', phone]] })} disabled={busy !== null} data-testid="pair-start">
              <Play aria-hidden /> {t('action.start')}
            </Button>
          ) : (
            <Tabs defaultValue="qr" onValueChange={(v) => { if (v === 'qr' && pairCode !== null) { setPairCode(null); newCode(); } }}>
              <TabsList aria-label={t('pair.method')}>
                <TabsTrigger value="qr" data-testid="pair-tab-qr">
                  <QrCode className="mr-1 inline size-4" aria-hidden />
                  {t('pair.byQr')}
                </TabsTrigger>
                <TabsTrigger value="code" data-testid="pair-tab-code">
                  <KeyRound className="mr-1 inline size-4" aria-hidden />
                  {t('pair.byCode')}
                </TabsTrigger>
              </TabsList>
              <TabsContent value="qr">
                <div className="flex flex-wrap items-start gap-6">
                  <div className="flex size-64 items-center justify-center rounded-md border border-slate-200 bg-white">
                    {qr.data && pairCode === null ? (
                      <img src={qr.data.qrCode} alt={t('pair.qrAlt')} className={`size-64 ${left === 0 ? 'opacity-30' : ''}`} data-testid="qr-image" data-expires-at={qr.data.expiresAt} />
                    ) : (
                      <QrCode className="size-16 text-slate-300" aria-hidden />
                    )}
                  </div>
                  <div className="flex max-w-xs flex-col gap-3 text-sm">
                    {left !== null && (
                      <p data-testid="qr-countdown" aria-live="off">
                        {t('pair.countdown', { s: left })}
                      </p>
                    )}
                    <ol className="list-decimal space-y-1 pl-5 text-slate-800">
                      <li>{t('pair.step1')}</li>
                      <li>{t('pair.step2')}</li>
                      <li>{t('pair.step3')}</li>
                    </ol>
                    {(stalled || qr.error) && (
                      <Button variant="secondary" onClick={newCode} data-testid="qr-new">
                        <RefreshCw aria-hidden /> {t('pair.newCode')}
                      </Button>
                    )}
                  </div>
                </div>
              </TabsContent>
              <TabsContent value="code">
                <div className="flex flex-col gap-3 text-sm">
                  <p>{t('pair.codeHelp')}</p>
                  <Button
                    className="self-start"
                    disabled={busy !== null}
                    onClick={() => void run('code', () => api<{ pairCode: string }>('POST', `/devices/${phone}/pair-code`)).then((r) => r && setPairCode(r.pairCode))}
                    data-testid="pair-code-button"
                  >
                    <KeyRound aria-hidden /> {t('pair.getCode')}
                  </Button>
                  {pairCode && (
                    <p className="font-mono text-3xl font-semibold tracking-widest" data-testid="pair-code">
                      {pairCode}
                    </p>
                  )}
                </div>
              </TabsContent>
            </Tabs>
          )}
        </CardContent>
      </Card>
    </>
  );
}
