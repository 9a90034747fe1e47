import type { ReactNode } from 'react';
import { Label } from './label';

/**
 * A labelled form control with optional help text and an error (the API's word on this field), each tied to it by
 * `aria-describedby` on the control (`<id>-help`, `<id>-error`); `id` is the control's id.
 */
export function Field({ id, label, help, error, children }: { id: string; label: string; help?: string; error?: string | undefined; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {help && (
        <p id={`${id}-help`} className="text-xs text-slate-700">
          {help}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-xs text-red-800" role="alert" data-testid={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** An error in plain words, announced to screen readers. */
export function ErrorText({ children, testId, padded }: { children: ReactNode; testId?: string; padded?: boolean }) {
  return (
    <p className={padded ? 'p-4 text-sm text-red-800' : 'text-sm text-red-800'} role="alert" data-testid={testId}>
      {children}
    </p>
  );
}
