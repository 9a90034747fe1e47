import { Ban, Forward, Pencil } from 'lucide-react';
import { useI18n } from '../../i18n';
import type { Key } from '../../i18n/en';
import type { StoredMessage } from '../../lib/chat-types';
import { time } from '../../lib/format';
import { cn } from '../../lib/utils';
import { MessageMedia } from './media';
import { Ticks } from './ticks';

const TAGGED = new Set(['location', 'contact', 'poll', 'video', 'audio', 'document', 'other']);

/** One message as a bubble: who sent it (in groups), text, media, reactions, time and, for ours, the receipt. */
export function MessageBubble({ message, highlighted }: { message: StoredMessage; highlighted: boolean }) {
  const { t, language } = useI18n();
  const out = message.direction === 'out';
  const poll = message.content['poll'] as { options?: string[] } | undefined;
  return (
    <li className={cn('flex', out ? 'justify-end' : 'justify-start')} data-testid="message" data-id={message.id} data-direction={message.direction} data-status={message.status}>
      <div
        className={cn(
          'max-w-[80%] rounded-lg px-3 py-2 text-sm shadow-sm',
          out ? 'bg-emerald-50 text-slate-900' : 'border border-slate-200 bg-white text-slate-900',
          highlighted && 'ring-2 ring-amber-500',
        )}
      >
        {!out && message.chatType === 'group' && message.sender?.name && <div className="mb-0.5 text-xs font-semibold text-emerald-900">{message.sender.name}</div>}
        {message.content['forwarded'] === true && (
          <div className="mb-0.5 flex items-center gap-1 text-xs italic text-slate-700">
            <Forward className="size-3" aria-hidden /> {t('chat.forwarded')}
          </div>
        )}
        {message.deleted ? (
          <p className="flex items-center gap-1 italic text-slate-700">
            <Ban className="size-3.5" aria-hidden /> {t('chat.deleted')}
          </p>
        ) : (
          <>
            {TAGGED.has(message.type) && <div className="text-xs font-medium uppercase tracking-wide text-slate-700">{t(`chat.kind.${message.type}` as Key)}</div>}
            <MessageMedia message={message} />
            {message.text && <p className="whitespace-pre-wrap break-words" data-testid="message-text">{message.text}</p>}
            {poll?.options && (
              <ul className="mt-1 list-inside list-disc text-xs">
                {poll.options.map((o) => (
                  <li key={o}>{o}</li>
                ))}
              </ul>
            )}
          </>
        )}
        {message.reactions.length > 0 && (
          <div className="mt-1 flex flex-wrap gap-1" aria-label={t('chat.reactions')}>
            {message.reactions.map((r) => (
              <span key={`${r.sender}${r.emoji}`} className="rounded-full bg-slate-100 px-1.5 text-xs" title={r.sender}>
                {r.emoji}
              </span>
            ))}
          </div>
        )}
        <div className="mt-1 flex items-center justify-end gap-1.5 text-xs text-slate-700">
          {message.editedAt && (
            <span className="flex items-center gap-0.5">
              <Pencil className="size-3" aria-hidden /> {t('chat.edited')}
            </span>
          )}
          <time dateTime={message.timestamp}>{time(message.timestamp, language)}</time>
          {out && <Ticks status={message.status} error={message.error} testId="message-status" />}
        </div>
        {message.error && (message.status === 'failed' || message.status === 'expired') && (
          <p className="mt-1 text-xs text-red-800" data-testid="message-error">
            {t(`tick.${message.status}` as Key)}: {message.error}
          </p>
        )}
      </div>
    </li>
  );
}
