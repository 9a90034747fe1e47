import * as AlertPrimitive from '@radix-ui/react-alert-dialog';
import * as DialogPrimitive from '@radix-ui/react-dialog';
import type { ReactNode } from 'react';
import { Button } from './button';

const overlay = 'fixed inset-0 z-40 bg-slate-950/50';
const panel = 'fixed left-1/2 top-1/2 z-50 w-[min(92vw,32rem)] -translate-x-1/2 -translate-y-1/2 rounded-lg bg-white p-5 shadow-xl';

export function Dialog({ open, onOpenChange, title, description, children }: { open: boolean; onOpenChange(open: boolean): void; title: string; description?: string; children: ReactNode }) {
  return (
    <DialogPrimitive.Root open={open} onOpenChange={onOpenChange}>
      <DialogPrimitive.Portal>
        <DialogPrimitive.Overlay className={overlay} />
        <DialogPrimitive.Content className={panel} {...(description ? {} : { 'aria-describedby': undefined })}>
          <DialogPrimitive.Title className="mb-1 text-lg font-semibold">{title}</DialogPrimitive.Title>
          {description && <DialogPrimitive.Description className="mb-4 text-sm text-slate-700">{description}</DialogPrimitive.Description>}
          {children}
        </DialogPrimitive.Content>
      </DialogPrimitive.Portal>
    </DialogPrimitive.Root>
  );
}

/** Confirmation for destructive actions: says what will happen; the confirm button names the action. */
export function ConfirmDialog(props: { open: boolean; onOpenChange(open: boolean): void; title: string; description: string; confirm: string; cancel: string; onConfirm(): void; destructive?: boolean }) {
  return (
    <AlertPrimitive.Root open={props.open} onOpenChange={props.onOpenChange}>
      <AlertPrimitive.Portal>
        <AlertPrimitive.Overlay className={overlay} />
        <AlertPrimitive.Content className={panel} data-testid="confirm-dialog">
          <AlertPrimitive.Title className="mb-1 text-lg font-semibold">{props.title}</AlertPrimitive.Title>
          <AlertPrimitive.Description className="mb-5 text-sm text-slate-700">{props.description}</AlertPrimitive.Description>
          <div className="flex justify-end gap-2">
            <AlertPrimitive.Cancel asChild>
              <Button variant="secondary">{props.cancel}</Button>
            </AlertPrimitive.Cancel>
            <AlertPrimitive.Action asChild>
              <Button variant={props.destructive === false ? 'default' : 'destructive'} onClick={props.onConfirm} data-testid="confirm-action">
                {props.confirm}
              </Button>
            </AlertPrimitive.Action>
          </div>
        </AlertPrimitive.Content>
      </AlertPrimitive.Portal>
    </AlertPrimitive.Root>
  );
}
