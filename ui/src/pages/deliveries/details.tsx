import { useQuery } from '@tanstack/react-query';
import { Dialog } from '../../components/ui/dialog';
import { ErrorText } from '../../components/ui/field';
import { useI18n } from '../../i18n';
import type { Key } from '../../i18n/en';
import { api, errorText } from '../../lib/api';
import { dateTime } from '../../lib/format';
import type { Delivery } from '../../lib/types';

type Detailed = Delivery & { readonly giveUpAt: string; readonly updatedAt: string; readonly body: Record<string, unknown> };

/** One delivery: where it goes, how its attempts went, and the exact body it sends. */
export function DeliveryDetails({ id, onClose }: { id: number | null; onClose: () => void }) {
  const { t, language } = useI18n();
  const query = useQuery({
    queryKey: ['delivery', id],
    queryFn: ({ signal }) => api<Detailed>('GET', `/webhooks/deliveries/${id}`, { signal }),
    enabled: id !== null,
  });
  const d = query.data;
  const rows: [Key, string][] = d
    ? [
        ['deliveries.endpoint', d.endpoint],
        ['deliveries.status', t(`delivery.${d.status}` as Key)],
        ['deliveries.attempts', String(d.attempts)],
        ['deliveries.lastResult', d.lastError ?? (d.lastStatus ? `HTTP ${d.lastStatus}` : '–')],
        ['deliveries.nextAttempt', d.nextAttemptAt ? dateTime(d.nextAttemptAt, language) : '–'],
        ['deliveries.giveUpAt', dateTime(d.giveUpAt, language)],
        ['deliveries.created', dateTime(d.createdAt, language)],
        ['deliveries.deliveredAt', d.deliveredAt ? dateTime(d.deliveredAt, language) : '–'],
      ]
    : [];
  return (
    <Dialog open={id !== null} onOpenChange={(on) => !on && onClose()} title={t('deliveries.detailsOf', { id: id ?? '' })}>
      {query.error && <ErrorText>{errorText(query.error)}</ErrorText>}
      {d && (
        <div className="flex flex-col gap-3" data-testid="delivery-details">
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            {rows.map(([label, value]) => (
              <div key={label} className="contents">
                <dt className="text-slate-700">{t(label)}</dt>
                <dd className="break-all">{value}</dd>
              </div>
            ))}
          </dl>
          <div>
            <h3 className="mb-1 text-sm font-semibold">{t('deliveries.body')}</h3>
            <pre className="max-h-72 overflow-auto rounded-md bg-slate-100 p-2 text-xs" tabIndex={0} data-testid="delivery-body">
              {JSON.stringify(d.body, null, 2)}
            </pre>
          </div>
        </div>
      )}
    </Dialog>
  );
}
