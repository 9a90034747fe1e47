import { useState, type FormEvent } from 'react';
import { errorText } from '../lib/api';

/**
 * A form whose failure is shown beside it (not as a toast): busy while the work runs, the API's message on
 * failure. On success the page usually moves on, so `busy` stays set to keep the button from a second click;
 * `stay` is for forms that remain on screen to be used again.
 */
export function useFormSubmit(work: () => Promise<void>, { stay = false } = {}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await work();
      if (stay) setBusy(false);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return { error, busy, onSubmit: (event: FormEvent) => void submit(event) };
}
