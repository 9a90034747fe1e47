import { useEffect, useRef, useState } from 'react';
import { Card, CardHeader, CardTitle } from '../../components/ui/card';
import { Checkbox } from '../../components/ui/checkbox';
import { ErrorText } from '../../components/ui/field';
import { Label } from '../../components/ui/label';
import { useT } from '../../i18n';
import { useRealtime } from '../../lib/live';
import type { LogLine } from '../../lib/types';

const MAX_LINES = 1000;

/** The child's output, newest at the bottom, streamed live over Socket.IO (`/logs`). */
export function LogsTab({ phone }: { phone: string }) {
  const t = useT();
  const realtime = useRealtime();
  const [follow, setFollow] = useState(true);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    if (!realtime) return;
    return realtime.tailLogs(
      phone,
      (incoming, reset) => {
        setError(null);
        setLines((all) => (reset ? incoming : [...all, ...incoming]).slice(-MAX_LINES));
      },
      setError,
    );
  }, [realtime, phone]);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t('logs.title')}</CardTitle>
        <div className="flex items-center gap-2">
          <Checkbox id="follow" checked={follow} onCheckedChange={(v) => setFollow(v === true)} />
          <Label htmlFor="follow">{t('logs.follow')}</Label>
        </div>
      </CardHeader>
      {error && <ErrorText padded>{error}</ErrorText>}
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
