import { useCallback, useState } from 'react';
import { useToast } from '../../components/ui/toaster';
import { useT } from '../../i18n';
import { api, errorText } from '../../lib/api';
import { eachLimited } from '../../lib/utils';

export interface BulkProgress {
  /** Still reading which deliveries to replay (`total` found so far). */
  readonly collecting: boolean;
  readonly total: number;
  readonly done: number;
  readonly failed: readonly { readonly id: number; readonly message: string }[];
}

/**
 * Replays many deliveries, four at a time, one request each: every replay is checked and audited on its own, and
 * the page shows how far it got and which ones were refused, with the API's words.
 */
export function useBulkReplay(replayPath: (id: number) => string, onDone: () => void) {
  const t = useT();
  const toast = useToast();
  const [progress, setProgress] = useState<BulkProgress | null>(null);
  const running = progress !== null && (progress.collecting || progress.done + progress.failed.length < progress.total);

  const counted = useCallback((n: number) => setProgress({ collecting: true, total: n, done: 0, failed: [] }), []);
  const replay = useCallback(
    async (ids: () => Promise<number[]>) => {
      setProgress({ collecting: true, total: 0, done: 0, failed: [] });
      let list: number[];
      try {
        list = await ids();
      } catch (err) {
        setProgress(null);
        toast.error(errorText(err));
        return;
      }
      let done = 0;
      const failed: { id: number; message: string }[] = [];
      setProgress({ collecting: false, total: list.length, done, failed: [] });
      await eachLimited(list, 4, async (id) => {
        try {
          await api('POST', replayPath(id));
          done++;
        } catch (err) {
          failed.push({ id, message: errorText(err) });
        }
        setProgress({ collecting: false, total: list.length, done, failed: [...failed] });
      });
      onDone();
      if (failed.length > 0) toast.error(t('deliveries.bulkFailed', { ok: done, failed: failed.length }));
      else toast.success(t('deliveries.bulkDone', { n: done }));
    },
    [replayPath, onDone, t, toast],
  );
  return { progress, running, replay, counted };
}

/** Every id a list route gives (oldest first, the order they were meant to arrive in), page by page. */
export async function collectIds(pathOf: (limit: number, offset: number) => string, counted: (n: number) => void): Promise<number[]> {
  const ids: number[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await api<{ deliveries: { id: number }[]; total: number }>('GET', pathOf(200, offset));
    ids.push(...page.deliveries.map((d) => d.id));
    counted(ids.length);
    if (page.deliveries.length < 200 || ids.length >= page.total) break;
  }
  return ids.sort((a, b) => a - b);
}
