import { useI18n } from '../../i18n';
import type { BulkProgress } from './bulk-replay';

/** How far a bulk replay got, and the first refusals in the API's words. */
export function BulkProgressLine({ progress }: { progress: BulkProgress }) {
  const { t } = useI18n();
  return (
    <div className="border-b border-slate-200 px-4 py-2 text-sm" role="status" data-testid="bulk-replay-progress">
      {progress.collecting ? t('deliveries.collecting', { n: progress.total }) : t('deliveries.progress', { done: progress.done, failed: progress.failed.length, total: progress.total })}
      {progress.failed.length > 0 && (
        <ul className="mt-1 list-inside list-disc text-xs text-red-800" data-testid="bulk-replay-errors">
          {progress.failed.slice(0, 5).map((f) => (
            <li key={f.id}>{t('deliveries.failedOne', { id: f.id, error: f.message })}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
