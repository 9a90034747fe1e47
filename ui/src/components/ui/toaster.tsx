import { CheckCircle2, X, XCircle } from 'lucide-react';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { cn } from '../../lib/utils';

interface Toast {
  readonly id: number;
  readonly tone: 'success' | 'error';
  readonly text: string;
}

interface ToastApi {
  success(text: string): void;
  error(text: string): void;
}

const ToastContext = createContext<ToastApi | null>(null);
let nextId = 1;

/** Every action's outcome in plain words, read out by screen readers (role=status / role=alert). */
export function ToastProvider({ children, dismissLabel }: { children: ReactNode; dismissLabel: string }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (tone: Toast['tone'], text: string) => {
      const id = nextId++;
      setToasts((all) => [...all.slice(-4), { id, tone, text }]);
      window.setTimeout(() => dismiss(id), tone === 'error' ? 10_000 : 5000);
    },
    [dismiss],
  );
  const value = useMemo<ToastApi>(() => ({ success: (text) => push('success', text), error: (text) => push('error', text) }), [push]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="fixed bottom-4 right-4 z-50 flex w-[min(92vw,26rem)] flex-col gap-2" aria-live="polite">
        {toasts.map((toast) => (
          <div
            key={toast.id}
            role={toast.tone === 'error' ? 'alert' : 'status'}
            data-testid={`toast-${toast.tone}`}
            className={cn('flex items-start gap-2 rounded-md border bg-white p-3 text-sm shadow-lg', toast.tone === 'error' ? 'border-red-300' : 'border-emerald-300')}
          >
            {toast.tone === 'error' ? <XCircle className="mt-0.5 size-4 shrink-0 text-red-700" aria-hidden /> : <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-emerald-700" aria-hidden />}
            <span className="flex-1 break-words">{toast.text}</span>
            <button type="button" className="rounded p-0.5 text-slate-600 hover:bg-slate-100" onClick={() => dismiss(toast.id)} aria-label={dismissLabel}>
              <X className="size-4" aria-hidden />
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  const toast = useContext(ToastContext);
  if (!toast) throw new Error('useToast outside ToastProvider');
  return toast;
}
