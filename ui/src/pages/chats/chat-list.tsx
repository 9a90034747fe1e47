import { useQuery } from '@tanstack/react-query';
import { ChevronDown, Users } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { Button } from '../../components/ui/button';
import { Checkbox } from '../../components/ui/checkbox';
import { ErrorText } from '../../components/ui/field';
import { Input, Select } from '../../components/ui/input';
import { useI18n } from '../../i18n';
import { api, errorText } from '../../lib/api';
import type { ChatPage, Conversation } from '../../lib/chat-types';
import { time } from '../../lib/format';
import { useLiveView } from '../../lib/live-view';
import { useDevices } from '../../lib/queries';
import { Link } from '../../lib/router';
import { cn } from '../../lib/utils';
import { chatListReducer, type ChatFilter, type ChatListView } from './reducers';
import { chatPath, chatTitle } from './paths';
import { Ticks } from './ticks';

const PAGE = 50;

function listPath(phone: string | null, filter: ChatFilter, before?: string | null): string {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (filter.unread) query.set('unread', 'true');
  if (filter.type) query.set('type', filter.type);
  if (filter.q.trim()) query.set('q', filter.q.trim());
  if (before) query.set('before', before);
  return `${phone ? `/devices/${phone}/chats` : '/inbox'}?${query.toString()}`;
}

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

function ChatItem({ chat, selected, all, numberName }: { chat: Conversation; selected: boolean; all: boolean; numberName: string | null }) {
  const { t, language } = useI18n();
  const last = chat.lastMessage;
  return (
    <li>
      <Link
        to={chatPath(chat.phoneNumber, chat.id, { all })}
        aria-current={selected ? 'page' : undefined}
        className={cn('flex flex-col gap-0.5 border-b border-slate-100 px-3 py-2 hover:bg-slate-50', selected && 'bg-emerald-50')}
        data-testid="chat-item"
        data-chat={chat.id}
        data-phone={chat.phoneNumber}
        data-unread={chat.unread}
      >
        <span className="flex items-center gap-2">
          {chat.type === 'group' && <Users className="size-3.5 shrink-0 text-slate-700" aria-hidden />}
          <span className="truncate font-medium text-slate-900">{chatTitle(chat)}</span>
          <span className="ml-auto shrink-0 text-xs text-slate-700">{time(chat.lastActivityAt, language)}</span>
        </span>
        <span className="flex items-center gap-1.5 text-sm text-slate-700">
          {last?.direction === 'out' && <Ticks status={last.status} />}
          <span className="truncate" data-testid="chat-preview">
            {last ? (last.senderName && chat.type === 'group' && last.direction === 'in' ? `${last.senderName}: ${last.preview}` : last.preview) : t('chat.empty')}
          </span>
          {chat.unread > 0 && (
            <span className="ml-auto shrink-0 rounded-full bg-emerald-700 px-1.5 text-xs font-semibold text-white" data-testid="chat-unread">
              <span className="sr-only">{t('chats.unreadCount', { n: chat.unread })}</span>
              <span aria-hidden>{chat.unread}</span>
            </span>
          )}
        </span>
        {numberName && <span className="text-xs text-slate-700">{t('chat.via', { name: numberName })}</span>}
      </Link>
    </li>
  );
}

/** The unified inbox (`phone` null) or one number's chats: filters, live order and counts, older pages on demand. */
export function ChatList({ phone, selected }: { phone: string | null; selected: { phone: string; chatId: string } | null }) {
  const { t } = useI18n();
  const devices = useDevices();
  const [unread, setUnread] = useState(false);
  const [type, setType] = useState<ChatFilter['type']>('');
  const [q, setQ] = useState('');
  const debouncedQ = useDebounced(q, 300);
  const filter = useMemo<ChatFilter>(() => ({ unread, type, q: debouncedQ }), [unread, type, debouncedQ]);
  const [olderError, setOlderError] = useState<string | null>(null);

  const query = useQuery({ queryKey: ['chats', phone ?? '*', filter], queryFn: ({ signal }) => api<ChatPage>('GET', listPath(phone, filter), { signal }), staleTime: 0 });
  const initial = useMemo<ChatListView | undefined>(() => query.data && { chats: query.data.data, before: query.data.page.before, hasBefore: query.data.page.hasBefore }, [query.data]);
  const reducer = useMemo(() => chatListReducer(filter), [filter]);
  const { view, patch } = useLiveView(initial, query.data?.asOf, reducer, () => void query.refetch());

  const names = new Map((devices.data?.devices ?? []).map((d) => [d.phoneNumber, d.name]));
  const loadOlder = async () => {
    setOlderError(null);
    try {
      const older = await api<ChatPage>('GET', listPath(phone, filter, view?.before));
      patch((v) => ({ chats: [...v.chats, ...older.data.filter((c) => !v.chats.some((x) => x.phoneNumber === c.phoneNumber && x.id === c.id))], before: older.page.before, hasBefore: older.page.hasBefore }));
    } catch (err) {
      setOlderError(errorText(err));
    }
  };

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div className="flex flex-wrap items-end gap-2 border-b border-slate-200 p-3">
        <label className="flex min-w-40 flex-1 flex-col gap-1 text-xs font-medium">
          {t('chats.filterName')}
          <Input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('chats.filterNamePlaceholder')} data-testid="chats-filter" />
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium">
          {t('chats.type')}
          <Select value={type} onChange={(e) => setType(e.target.value as ChatFilter['type'])} data-testid="chats-type">
            <option value="">{t('common.all')}</option>
            <option value="direct">{t('chats.type.direct')}</option>
            <option value="group">{t('chats.type.group')}</option>
          </Select>
        </label>
        <label className="flex h-9 items-center gap-2 text-sm">
          <Checkbox checked={unread} onCheckedChange={(on) => setUnread(on === true)} data-testid="chats-unread" />
          {t('chats.unreadOnly')}
        </label>
      </div>
      {query.error && <ErrorText padded>{errorText(query.error)}</ErrorText>}
      {!view && !query.error && <p className="p-3 text-sm text-slate-700">{t('common.loading')}</p>}
      {view && (
        <ul className="min-h-0 flex-1 overflow-y-auto" aria-label={phone ? t('chats.listOf', { name: names.get(phone) ?? `+${phone}` }) : t('chats.inbox')} data-testid="chat-list">
          {view.chats.map((chat) => (
            <ChatItem
              key={`${chat.phoneNumber}/${chat.id}`}
              chat={chat}
              all={phone === null}
              selected={selected?.phone === chat.phoneNumber && selected.chatId === chat.id}
              numberName={phone === null ? (names.get(chat.phoneNumber) ?? `+${chat.phoneNumber}`) : null}
            />
          ))}
          {view.chats.length === 0 && (
            <li className="p-3 text-sm text-slate-700" data-testid="chats-empty">
              {filter.unread || filter.type || filter.q ? t('chats.noMatch') : t('chats.none')}
            </li>
          )}
          {view.hasBefore && (
            <li className="flex justify-center p-2">
              <Button variant="secondary" size="sm" onClick={() => void loadOlder()} data-testid="chats-older">
                <ChevronDown aria-hidden /> {t('chats.more')}
              </Button>
            </li>
          )}
          {olderError && (
            <li>
              <ErrorText padded>{olderError}</ErrorText>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
