import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Card, CardHeader, CardTitle } from '../../components/ui/card';
import { Checkbox } from '../../components/ui/checkbox';
import { Label } from '../../components/ui/label';
import { useT } from '../../i18n';
import { api, errorText } from '../../lib/api';
import type { LogLine } from '../../lib/types';
import { ErrorText } from '../../components/ui/field';

/**
 * The child's output, newest at the bottom. The gateway has no log stream over Socket.IO yet, so this one view
 * reads the tail every 2 s while it is open (and only then).
 */
export function LogsTab({ phone }: { phone: string }) {
  const t = useT();
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLPreElement>(null);
  const logs = useQuery({
    queryKey: ['logs', phone],
    queryFn: ({ signal }) => api<{ lines: LogLine[] }>('GET', `/devices/${phone}/logs?lines=300`, { signal }),
    refetchInterval: follow ? 2000 : false,
  });
  const lines = logs.data?.lines ?? [];
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length, follow]);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t('logs.title')}</CardTitle>
        <div className="flex items-center gap-2">
          <Checkbox id="follow" checked={follow} onCheckedChange={(v) => setFollow(v === true)} />
          <Label htmlFor="follow">{t('logs.follow')}</Label>
        </div>
      </CardHeader>
      {logs.error && <ErrorText padded>{errorText(logs.error)}</ErrorText>}
      <pre ref={box} className="max-h-[28rem] overflow-auto bg-slate-950 p-3 font-mono text-xs leading-5 text-slate-100" data-testid="log-lines" tabIndex={0} aria-label={t('logs.title')}>
        {lines.map((l, i) => (
          <div key={`${l.at}-${i}`} className={l.stream === 'stderr' ? 'text-amber-200' : l.stream === 'gateway' ? 'text-emerald-300' : ''}>
            <span className="text-slate-400">{l.at.slice(11, 19)}</span> {l.line}
          </div>
        ))}
        {lines.length === 0 && t('logs.empty')}
      </pre>
    </Card>
  );
}
