import { Check, Copy } from 'lucide-react';
import { useRef, useState } from 'react';
import { Button } from '../../components/ui/button';
import { Dialog } from '../../components/ui/dialog';
import { Input } from '../../components/ui/input';
import { useT } from '../../i18n';
import type { IssuedKey } from './types';

/** Copies with the Clipboard API where the page may use it, else from the selected field (plain http on a LAN). */
async function copyText(input: HTMLInputElement, text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (permissions): fall back to the selection.
  }
  input.select();
  return document.execCommand('copy');
}

/**
 * The full key, the only time it is shown: kept in this dialog's state alone (never in the query cache, storage or
 * a URL) and gone when the dialog closes.
 */
export function SecretDialog({ issued, onClose }: { issued: IssuedKey | null; onClose: () => void }) {
  const t = useT();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  const close = () => {
    setCopied(false);
    onClose();
  };
  return (
    <Dialog open={issued !== null} onOpenChange={(on) => !on && close()} title={t('keys.secretTitle', { name: issued?.name ?? '' })} description={t('keys.secretText')}>
      {issued && (
        <div className="flex flex-col gap-3">
          <div className="flex gap-2">
            <label htmlFor="issued-key" className="sr-only">
              {t('keys.secretLabel')}
            </label>
            <Input id="issued-key" ref={input} readOnly value={issued.key} className="font-mono text-xs" onFocus={(e) => e.currentTarget.select()} data-testid="key-secret" />
            <Button
              variant="secondary"
              onClick={() => void copyText(input.current as HTMLInputElement, issued.key).then(setCopied)}
              data-testid="key-copy"
            >
              {copied ? <Check aria-hidden /> : <Copy aria-hidden />} {copied ? t('keys.copied') : t('keys.copy')}
            </Button>
          </div>
          <Button className="self-end" onClick={close} data-testid="key-secret-done">
            {t('keys.secretDone')}
          </Button>
        </div>
      )}
    </Dialog>
  );
}
