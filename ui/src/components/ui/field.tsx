import type { ReactNode } from 'react';
import { Label } from './label';

/** A labelled form control with optional help text tied to it (`aria-describedby`); `id` is the control's id. */
export function Field({ id, label, help, children }: { id: string; label: string; help?: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {help && (
        <p id={`${id}-help`} className="text-xs text-slate-700">
          {help}
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
