/** Inbox shapes: the REST jbuilder (`api/v1/models/_inbox`), the raw row, `webhook_data`. */
import type { Inbox } from '../domain/records.js';
import { isoTime } from '../lib/time.js';
import type { JsonMap, ViewCtx } from './context.js';

/** `hmac_token` and (since 4.13.0) `secret` are written for administrators only. */
export function inboxJson(ctx: ViewCtx, inbox: Inbox, administrator: boolean): JsonMap {
  const api = inbox.channelType === 'Channel::Api';
  return {
    id: inbox.id,
    avatar_url: '',
    channel_id: inbox.channelId,
    name: inbox.name,
    channel_type: inbox.channelType,
    greeting_enabled: inbox.greetingEnabled,
    greeting_message: inbox.greetingMessage,
    working_hours_enabled: false,
    enable_email_collect: true,
    csat_survey_enabled: false,
    enable_auto_assignment: inbox.enableAutoAssignment,
    auto_assignment_config: {},
    out_of_office_message: null,
    working_hours: [],
    timezone: 'UTC',
    callback_webhook_url: null,
    allow_messages_after_resolved: inbox.allowMessagesAfterResolved,
    lock_to_single_conversation: inbox.lockToSingleConversation,
    sender_name_type: 'friendly',
    business_name: null,
    hmac_mandatory: inbox.hmacMandatory,
    webhook_url: api ? inbox.webhookUrl : undefined,
    inbox_identifier: api ? inbox.identifier : undefined,
    additional_attributes: api ? inbox.additionalAttributes : undefined,
    website_token: api ? undefined : inbox.identifier,
    hmac_token: administrator ? inbox.hmacToken : undefined,
    secret: administrator && api && ctx.features.inboxWebhookSigning ? inbox.secret : undefined,
    provider: null,
  };
}

/** `render json: inbox` (inside `POST /contacts`' `contact_inbox`). */
export function inboxRow(inbox: Inbox): JsonMap {
  return {
    id: inbox.id,
    channel_id: inbox.channelId,
    account_id: inbox.accountId,
    name: inbox.name,
    created_at: isoTime(inbox.createdAt),
    updated_at: isoTime(inbox.updatedAt),
    channel_type: inbox.channelType,
    enable_auto_assignment: inbox.enableAutoAssignment,
    greeting_enabled: inbox.greetingEnabled,
    greeting_message: inbox.greetingMessage,
    enable_email_collect: true,
    csat_survey_enabled: false,
    allow_messages_after_resolved: inbox.allowMessagesAfterResolved,
    lock_to_single_conversation: inbox.lockToSingleConversation,
    sender_name_type: 'friendly',
    business_name: null,
  };
}

export function inboxWebhook(inbox: Inbox): JsonMap {
  return { id: inbox.id, name: inbox.name };
}
