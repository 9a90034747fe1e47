import type { HTMLAttributes, ReactNode, TdHTMLAttributes, ThHTMLAttributes } from 'react';
import { cn } from '../../lib/utils';

export function Table({ className, ...props }: HTMLAttributes<HTMLTableElement>) {
  return (
    <div className="w-full overflow-x-auto">
      <table className={cn('w-full border-collapse text-sm', className)} {...props} />
    </div>
  );
}

export function Th({ className, ...props }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope="col" className={cn('border-b border-slate-200 px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-700', className)} {...props} />;
}

export function Td({ className, ...props }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cn('border-b border-slate-100 px-3 py-2 align-middle', className)} {...props} />;
}

/** The header row; a column given as `{ hidden: label }` is named for screen readers only (an actions column). */
export function Thead({ columns }: { columns: (ReactNode | { hidden: string })[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column, i) => (
          <Th key={i}>{typeof column === 'object' && column !== null && 'hidden' in column ? <span className="sr-only">{column.hidden}</span> : column}</Th>
        ))}
      </tr>
    </thead>
  );
}
