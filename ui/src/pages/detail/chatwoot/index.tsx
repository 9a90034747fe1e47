import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorText } from '../../../components/ui/field';
import { useT } from '../../../i18n';
import { api, ApiError, errorText } from '../../../lib/api';
import { BindForm } from './bind-form';
import { BindingCard } from './binding';
import { BridgeDeliveries } from './deliveries';
import type { ChatwootBinding } from './types';

/**
 * A number's Chatwoot tab (for those who manage its webhooks, as the API requires): its binding, its queue both
 * ways and its dead letters with replay, or the form that binds it. Loaded on first use, like a page.
 */
export default function ChatwootTab({ phone, name }: { phone: string; name: string }) {
  const t = useT();
  const client = useQueryClient();
  const binding = useQuery({
    queryKey: ['chatwoot', phone],
    // Not bound is an answer, not a failure: null.
    queryFn: ({ signal }) =>
      api<ChatwootBinding>('GET', `/devices/${phone}/chatwoot`, { signal }).catch((err: unknown) => {
        if (err instanceof ApiError && err.code === 'CHATWOOT_NOT_BOUND') return null;
        throw err;
      }),
    // The backlog moves by itself while steps wait: keep it current while it is on screen.
    refetchInterval: (query) => {
      const b = query.state.data?.backlog;
      return b && b.toChatwoot.pending + b.toChatwoot.retrying + b.toWhatsapp.pending + b.toWhatsapp.retrying > 0 ? 3000 : false;
    },
  });
  if (binding.error) return <ErrorText>{errorText(binding.error)}</ErrorText>;
  if (binding.data === undefined) return <p>{t('common.loading')}</p>;
  const set = (value: ChatwootBinding | null) => {
    client.setQueryData(['chatwoot', phone], value);
    void client.invalidateQueries({ queryKey: ['chatwoot-deliveries', phone] });
  };
  if (binding.data === null) return <BindForm phone={phone} defaultInboxName={`WhatsApp ${name}`} onBound={set} />;
  const b = binding.data;
  return (
    <div className="flex flex-col gap-4">
      <BindingCard binding={b} name={name} onUnbound={() => set(null)} />
      <BridgeDeliveries phone={phone} dead={b.backlog.toChatwoot.dead + b.backlog.toWhatsapp.dead} />
    </div>
  );
}
