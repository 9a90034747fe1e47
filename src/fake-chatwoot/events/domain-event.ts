/**
 * What happened, ready to deliver: the payload is built when the change is made (as Chatwoot's listener
 * builds it right after commit) and serialised once per delivery. `Tx` collects the events of one request,
 * so the pipeline can deliver them after (or before) the response goes out.
 */
import type { EventName } from '../domain/subscriptions.js';

export interface DomainEvent {
  readonly name: EventName;
  readonly accountId: number;
  /** The inbox whose API webhook_url gets the event; null for account-level events (contacts, inboxes). */
  readonly inboxId: number | null;
  /** For message events: the message a failed API-inbox delivery marks as failed. */
  readonly messageId: number | null;
  readonly payload: Record<string, unknown>;
}

export class Tx {
  readonly events: DomainEvent[] = [];

  emit(event: DomainEvent | undefined): void {
    if (event) this.events.push(event);
  }
}

/** `changed_attributes` as the listeners write it: `[{attr: {previous_value, current_value}}]`. */
export type Changes = Record<string, readonly [unknown, unknown]>;

export function changedAttributes(changes: Changes): Record<string, { previous_value: unknown; current_value: unknown }>[] {
  return Object.entries(changes).map(([key, [previous, current]]) => ({ [key]: { previous_value: previous, current_value: current } }));
}
