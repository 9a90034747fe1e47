/** Webhook event names: what account webhooks may subscribe to, and what an API inbox's webhook_url gets. */
export const EVENT_NAMES = [
  'conversation_status_changed', 'conversation_updated', 'conversation_created', 'contact_created',
  'contact_updated', 'message_created', 'message_updated', 'webwidget_triggered', 'inbox_created',
  'inbox_updated', 'conversation_typing_on', 'conversation_typing_off',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

export function isEventName(name: string): name is EventName {
  return (EVENT_NAMES as readonly string[]).includes(name);
}

/** What `Webhook` gets when created without `subscriptions`. */
export const DEFAULT_SUBSCRIPTIONS: readonly EventName[] = [
  'conversation_status_changed', 'conversation_updated', 'conversation_created', 'contact_created',
  'contact_updated', 'message_created', 'message_updated', 'webwidget_triggered',
];

/** An API inbox's webhook_url receives every event of the inbox with no subscription filter. */
export const INBOX_EVENTS: ReadonlySet<EventName> = new Set<EventName>([
  'message_created', 'message_updated', 'conversation_created', 'conversation_status_changed',
  'conversation_updated', 'conversation_typing_on', 'conversation_typing_off', 'webwidget_triggered',
]);
