import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { errorText } from '../lib/api';
import { useToast } from './ui/toaster';

/**
 * Runs one user action: a busy flag for its button, a toast with the outcome in plain words (the API's own message
 * on failure), and the queries it changed read again.
 */
export function useAction() {
  const toast = useToast();
  const client = useQueryClient();
  const [busy, setBusy] = useState<string | null>(null);
  const run = useCallback(
    async <T>(name: string, work: () => Promise<T>, options: { success?: string | ((result: T) => string); invalidate?: unknown[][] } = {}): Promise<T | undefined> => {
      setBusy(name);
      try {
        const result = await work();
        if (options.success) toast.success(typeof options.success === 'function' ? options.success(result) : options.success);
        for (const key of options.invalidate ?? []) void client.invalidateQueries({ queryKey: key });
        return result;
      } catch (err) {
        toast.error(errorText(err));
        return undefined;
      } finally {
        setBusy(null);
      }
    },
    [toast, client],
  );
  return { busy, run };
}
