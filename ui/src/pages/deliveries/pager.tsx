import { ChevronLeft, ChevronRight } from 'lucide-react';
import { Button } from '../../components/ui/button';
import { useT } from '../../i18n';

/** Newer and older pages of a delivery list, with the range shown; nothing when everything fits on one page. */
export function DeliveryPager({ offset, total, pageSize, onOffset }: { offset: number; total: number; pageSize: number; onOffset(offset: number): void }) {
  const t = useT();
  if (total <= pageSize) return null;
  return (
    <div className="flex items-center justify-end gap-2 p-3 text-sm">
      <span className="tabular-nums" data-testid="deliveries-range">
        {t('deliveries.range', { from: offset + 1, to: Math.min(offset + pageSize, total), total })}
      </span>
      <Button variant="secondary" size="sm" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - pageSize))} aria-label={t('deliveries.newer')}>
        <ChevronLeft aria-hidden />
      </Button>
      <Button variant="secondary" size="sm" disabled={offset + pageSize >= total} onClick={() => onOffset(offset + pageSize)} aria-label={t('deliveries.olderPage')} data-testid="deliveries-next">
        <ChevronRight aria-hidden />
      </Button>
    </div>
  );
}
