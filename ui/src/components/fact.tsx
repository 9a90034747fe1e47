import type { ReactNode } from 'react';

/** One labelled fact of a description list (`<dl>`): a small caps label over its value. */
export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-700">{label}</dt>
      <dd className="mt-0.5 break-words">{children}</dd>
    </div>
  );
}
