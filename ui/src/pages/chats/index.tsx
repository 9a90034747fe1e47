import { MessagesSquare, Search, X } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { NumberSelect } from '../../components/number-select';
import { PageTitle } from '../../components/layout';
import { Button } from '../../components/ui/button';
import { Card } from '../../components/ui/card';
import { Input } from '../../components/ui/input';
import { useI18n } from '../../i18n';
import { useRoute } from '../../lib/router';
import { ChatList } from './chat-list';
import { ConversationView } from './conversation';
import { SearchResults } from './search';

/**
 * Chats: the unified inbox or one number's chats beside the open conversation, and message search. Loaded on
 * demand (its own chunk), so the first page of the dashboard stays small.
 */
export default function ChatsPage({ phone, chatId }: { phone: string | null; chatId: string | null }) {
  const { t } = useI18n();
  const { navigate, search } = useRoute();
  const all = chatId !== null && search.get('in') === 'all';
  const scope = chatId === null ? phone : all ? null : phone;
  const around = search.get('around');
  const [draft, setDraft] = useState('');
  const [searching, setSearching] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearching(draft.trim() || null);
  };
  const clear = () => {
    setDraft('');
    setSearching(null);
  };

  return (
    <>
      <PageTitle title={t('chats.title')} />
      <div className="grid gap-4 lg:grid-cols-[24rem_minmax(0,1fr)]">
        <Card className="flex h-[calc(100vh-12rem)] min-h-[28rem] flex-col">
          <div className="flex flex-col gap-2 border-b border-slate-200 p-3">
            <label className="flex flex-col gap-1 text-xs font-medium">
              {t('chats.number')}
              <NumberSelect allLabel={t('chats.allNumbers')} value={scope ?? ''} onChange={(e) => navigate(e.target.value ? `/chats/${e.target.value}` : '/chats')} data-testid="chats-number" />
            </label>
            <form role="search" className="flex items-end gap-2" onSubmit={submit} aria-label={t('search.title')}>
              <label className="flex flex-1 flex-col gap-1 text-xs font-medium">
                {t('search.title')}
                <Input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={t('search.placeholder')} data-testid="search-input" />
              </label>
              <Button type="submit" variant="secondary" size="icon" data-testid="search-submit">
                <Search aria-hidden />
                <span className="sr-only">{t('search.submit')}</span>
              </Button>
              {searching !== null && (
                <Button variant="ghost" size="icon" onClick={clear} data-testid="search-clear">
                  <X aria-hidden />
                  <span className="sr-only">{t('search.clear')}</span>
                </Button>
              )}
            </form>
          </div>
          {searching !== null ? <SearchResults phone={scope} q={searching} /> : <ChatList phone={scope} selected={chatId && phone ? { phone, chatId } : null} />}
        </Card>
        <Card className="min-w-0">
          {chatId && phone ? (
            <ConversationView key={`${phone}/${chatId}/${around ?? ''}`} phone={phone} chatId={chatId} around={around} all={all} />
          ) : (
            <div className="flex h-full min-h-[20rem] flex-col items-center justify-center gap-2 p-6 text-sm text-slate-700" data-testid="conversation-none">
              <MessagesSquare className="size-8 text-slate-500" aria-hidden />
              {t('chats.pick')}
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
