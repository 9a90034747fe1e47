import { AlertCircle, Check, CheckCheck, Clock } from 'lucide-react';
import { useT } from '../../i18n';
import type { Key } from '../../i18n/en';
import type { MessageStatus } from '../../lib/chat-types';
import { cn } from '../../lib/utils';

/** An outgoing message's receipt as WhatsApp shows it: clock, one tick, two ticks, two blue ticks, or failed. */
export function Ticks({ status, error, testId }: { status: MessageStatus; error?: string | null; testId?: string }) {
  const t = useT();
  if (status === 'received') return null;
  const label = t(`tick.${status}` as Key);
  const Icon = status === 'queued' || status === 'sending' ? Clock : status === 'sent' ? Check : status === 'failed' || status === 'expired' ? AlertCircle : CheckCheck;
  const tone = status === 'read' ? 'text-sky-700' : status === 'failed' || status === 'expired' ? 'text-red-700' : 'text-slate-600';
  return (
    <span className={cn('inline-flex items-center gap-1 text-xs', tone)} data-testid={testId} data-status={status} title={error ? `${label}: ${error}` : label}>
      <Icon className="size-3.5" aria-hidden />
      <span className="sr-only">{label}</span>
    </span>
  );
}
