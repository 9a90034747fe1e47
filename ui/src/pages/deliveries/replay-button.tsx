import { RotateCw } from 'lucide-react';
import { Button } from '../../components/ui/button';
import { useT } from '../../i18n';

/** One delivery's replay, as every delivery list shows it. */
export function ReplayButton({ id, disabled, onReplay, testId }: { id: number; disabled: boolean; onReplay(): void; testId: string }) {
  const t = useT();
  return (
    <Button size="sm" variant="secondary" disabled={disabled} onClick={onReplay} aria-label={t('deliveries.replayOne', { id })} data-testid={testId}>
      <RotateCw aria-hidden /> {t('deliveries.replay')}
    </Button>
  );
}
