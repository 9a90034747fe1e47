import { useQuery } from '@tanstack/react-query';
import { ArrowDownToLine, ChevronUp, Users } from 'lucide-react';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Button } from '../../components/ui/button';
import { ErrorText } from '../../components/ui/field';
import { useI18n } from '../../i18n';
import { api, errorText } from '../../lib/api';
import type { MessagePage } from '../../lib/chat-types';
import { useLiveView } from '../../lib/live-view';
import { useDevices } from '../../lib/queries';
import { useRoute } from '../../lib/router';
import { useAccess } from '../../lib/access';
import { Composer } from './composer';
import { MessageBubble } from './message';
import { threadReducer, upsert, type ThreadView } from './reducers';
import { chatPath, chatTitle } from './paths';

const PAGE = 50;

/** Reads the chat when it is opened and whenever a new message arrives while it is on screen. */
function useMarkRead(view: ThreadView | undefined, allowed: boolean): void {
  const attempted = useRef<string | null>(null);
  const chat = view?.chat;
  const newest = chat?.lastMessage?.id ?? null;
  useEffect(() => {
    if (!chat || !allowed || chat.unread === 0 || document.visibilityState !== 'visible') return;
    const mark = `${chat.phoneNumber}/${chat.id}/${newest}`;
    if (attempted.current === mark) return;
    attempted.current = mark;
    // The store's conversation.updated (unread 0) updates every list; a refusal only leaves the count as it is.
    void api('POST', `/devices/${chat.phoneNumber}/chats/${encodeURIComponent(chat.id)}/read`).catch(() => undefined);
  }, [chat, newest, allowed]);
}

/** One chat: messages that update live, older pages on demand, and the composer for those who may send. */
export function ConversationView({ phone, chatId, around, all }: { phone: string; chatId: string; around: string | null; all: boolean }) {
  const { t } = useI18n();
  const { navigate } = useRoute();
  const access = useAccess();
  const devices = useDevices();
  const list = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [olderError, setOlderError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const query = useQuery({
    queryKey: ['thread', phone, chatId, around ?? ''],
    queryFn: ({ signal }) => api<MessagePage>('GET', `/devices/${phone}/chats/${encodeURIComponent(chatId)}/messages?limit=${PAGE}${around ? `&around=${encodeURIComponent(around)}` : ''}`, { signal }),
    staleTime: 0,
  });
  const initial = useMemo<ThreadView | undefined>(
    () => query.data && { chat: query.data.chat, messages: query.data.data, before: query.data.page.before, hasBefore: query.data.page.hasBefore, hasAfter: query.data.page.hasAfter },
    [query.data],
  );
  const { view, patch } = useLiveView(initial, query.data?.asOf, threadReducer, () => void query.refetch());
  const canSend = access.can('messages:send', phone);
  useMarkRead(view, canSend);

  const merged = view?.mergedInto;
  useEffect(() => {
    if (merged) navigate(chatPath(phone, merged, { all }));
  }, [merged, phone, navigate, all]);

  // Follow new messages at the bottom unless the reader scrolled up; a search hit is brought into view.
  const count = view?.messages.length ?? 0;
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const hit = around ? el.querySelector<HTMLElement>(`[data-id="${CSS.escape(around)}"]`) : null;
    if (hit && !view?.hasBefore && count <= PAGE) hit.scrollIntoView({ block: 'center' });
    else if (stick.current) el.scrollTop = el.scrollHeight;
  }, [count, around, view?.hasBefore]);

  if (query.error) return <ErrorText padded>{errorText(query.error)}</ErrorText>;
  if (!view) return <p className="p-4 text-sm text-slate-700">{t('common.loading')}</p>;

  const loadOlder = async () => {
    setLoadingOlder(true);
    setOlderError(null);
    stick.current = false;
    try {
      const older = await api<MessagePage>('GET', `/devices/${phone}/chats/${encodeURIComponent(view.chat.id)}/messages?limit=${PAGE}&before=${encodeURIComponent(view.before ?? '')}`);
      patch((v) => ({ ...v, messages: [...v.messages, ...older.data.filter((m) => !v.messages.some((x) => x.id === m.id))], before: older.page.before, hasBefore: older.page.hasBefore }));
    } catch (err) {
      setOlderError(errorText(err));
    } finally {
      setLoadingOlder(false);
    }
  };
  const device = devices.data?.devices.find((d) => d.phoneNumber === phone);
  const chat = view.chat;

  return (
    <div className="flex h-[calc(100vh-12rem)] min-h-[28rem] flex-col" data-testid="conversation" data-chat={chat.id}>
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-slate-200 px-4 py-3">
        {chat.type === 'group' && <Users className="size-4 text-slate-700" aria-hidden />}
        <h2 className="text-base font-semibold" data-testid="conversation-title">
          {chatTitle(chat)}
        </h2>
        <span className="font-mono text-xs text-slate-700">{chat.jid}</span>
        <span className="ml-auto text-xs text-slate-700">{t('chat.via', { name: device?.name ?? `+${phone}` })}</span>
      </header>
      {/* The log role sits on a wrapper: on the list itself it would hide the list semantics of its items. */}
      <div
        ref={list}
        className="flex-1 overflow-y-auto bg-slate-50 p-4"
        role="log"
        aria-label={t('chat.messagesOf', { name: chatTitle(chat) })}
        tabIndex={0}
        data-testid="messages"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        }}
      >
        <ol className="space-y-2">
          {view.hasBefore && (
            <li className="flex justify-center">
              <Button variant="secondary" size="sm" onClick={() => void loadOlder()} disabled={loadingOlder} data-testid="messages-older">
                <ChevronUp aria-hidden /> {t('common.older')}
              </Button>
            </li>
          )}
          {olderError && (
            <li>
              <ErrorText>{olderError}</ErrorText>
            </li>
          )}
          {view.messages.length === 0 && <li className="text-center text-sm text-slate-700">{t('chat.empty')}</li>}
          {[...view.messages].reverse().map((m) => (
            <MessageBubble key={m.id} message={m} highlighted={m.id === around} />
          ))}
        </ol>
      </div>
      {view.hasAfter && (
        <div className="flex justify-center border-t border-slate-200 p-2">
          <Button variant="secondary" size="sm" onClick={() => navigate(chatPath(phone, chat.id, { all }))} data-testid="messages-newest">
            <ArrowDownToLine aria-hidden /> {t('chat.jumpNewest')}
          </Button>
        </div>
      )}
      {canSend ? (
        <Composer
          chat={chat}
          onSent={(message) => {
            stick.current = true;
            if (view.hasAfter) navigate(chatPath(phone, chat.id, { all }));
            else patch((v) => upsert(v, message, true));
          }}
        />
      ) : (
        <p className="border-t border-slate-200 p-3 text-sm text-slate-700" data-testid="composer-readonly">
          {t('chat.readOnly')}
        </p>
      )}
    </div>
  );
}
