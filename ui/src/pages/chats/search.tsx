import { useInfiniteQuery } from '@tanstack/react-query';
import { ChevronDown } from 'lucide-react';
import { Fragment } from 'react';
import { Button } from '../../components/ui/button';
import { ErrorText } from '../../components/ui/field';
import { useI18n } from '../../i18n';
import { api, errorText } from '../../lib/api';
import type { SearchPage } from '../../lib/chat-types';
import { dateTime } from '../../lib/format';
import { useDevices } from '../../lib/queries';
import { Link } from '../../lib/router';
import { chatPath, chatTitle } from './paths';

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };
const unescape = (html: string) => html.replace(/&(?:amp|lt|gt|quot|#39|#x27);/g, (e) => ENTITIES[e] ?? e);

/**
 * The server's snippet (text escaped, matches in `<mark>`) as React elements: split on the two markers and
 * unescaped, never parsed as HTML.
 */
export function Snippet({ html }: { html: string }) {
  const parts = html.split(/(<mark>|<\/mark>)/);
  let marked = false;
  return (
    <>
      {parts.map((part, i) => {
        if (part === '<mark>' || part === '</mark>') {
          marked = part === '<mark>';
          return null;
        }
        const text = unescape(part);
        return marked ? (
          <mark key={i} className="rounded-sm bg-amber-200 px-0.5 text-slate-950">
            {text}
          </mark>
        ) : (
          <Fragment key={i}>{text}</Fragment>
        );
      })}
    </>
  );
}

/** Full-text search over the messages of the numbers in view; a hit opens its chat centred on it. */
export function SearchResults({ phone, q }: { phone: string | null; q: string }) {
  const { t, language } = useI18n();
  const devices = useDevices();
  const names = new Map((devices.data?.devices ?? []).map((d) => [d.phoneNumber, d.name]));
  const query = useInfiniteQuery({
    queryKey: ['search', phone ?? '*', q],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const params = new URLSearchParams({ q, limit: '20' });
      if (phone) params.set('numbers', phone);
      if (pageParam) params.set('before', pageParam);
      return api<SearchPage>('GET', `/search/messages?${params.toString()}`, { signal });
    },
    getNextPageParam: (last) => (last.page.hasMore ? last.page.before : null),
    staleTime: 0,
  });
  const hits = query.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <div className="min-h-0 flex-1 overflow-y-auto" data-testid="search-results">
      {query.error && <ErrorText padded>{errorText(query.error)}</ErrorText>}
      {query.isLoading && <p className="p-3 text-sm text-slate-700">{t('common.loading')}</p>}
      {query.data && (
        <p className="px-3 pt-2 text-xs text-slate-700" role="status" data-testid="search-count">
          {query.hasNextPage ? t('search.manyHits', { n: hits.length }) : t('search.hits', { n: hits.length })}
        </p>
      )}
      <ul aria-label={t('search.results')}>
        {hits.map((hit) => (
          <li key={hit.message.id}>
            <Link
              to={chatPath(hit.chat.phoneNumber, hit.chat.id, { around: hit.message.id, all: phone === null })}
              className="flex flex-col gap-0.5 border-b border-slate-100 px-3 py-2 hover:bg-slate-50"
              data-testid="search-hit"
              data-id={hit.message.id}
            >
              <span className="flex items-center gap-2">
                <span className="truncate font-medium">{chatTitle(hit.chat)}</span>
                <span className="ml-auto shrink-0 text-xs text-slate-700">{dateTime(hit.message.timestamp, language)}</span>
              </span>
              <span className="text-sm text-slate-800" data-testid="search-snippet">
                <Snippet html={hit.snippet} />
              </span>
              {phone === null && <span className="text-xs text-slate-700">{t('chat.via', { name: names.get(hit.chat.phoneNumber) ?? `+${hit.chat.phoneNumber}` })}</span>}
            </Link>
          </li>
        ))}
      </ul>
      {query.hasNextPage && (
        <div className="flex justify-center p-2">
          <Button variant="secondary" size="sm" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage} data-testid="search-more">
            <ChevronDown aria-hidden /> {t('search.more')}
          </Button>
        </div>
      )}
    </div>
  );
}
