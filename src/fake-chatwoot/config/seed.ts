/**
 * The seed: accounts, users (with their access tokens and roles), agent bots, inboxes (with their webhook
 * URL and signing secret), custom attribute definitions and account webhooks the fake starts with, given
 * as JSON (`--seed file`, `FAKE_CHATWOOT_SEED_FILE` or `FAKE_CHATWOOT_SEED`), or the default below.
 */
import { z } from 'zod';

const id = z.number().int().positive();
const role = z.enum(['administrator', 'agent']);

const accountSchema = z.object({
  id,
  name: z.string().min(1),
  /** First id handed out for each per-account counter. */
  next_contact_id: id.optional(),
  next_display_id: id.optional(),
  next_message_id: id.optional(),
}).strict();

const userSchema = z.object({
  id,
  name: z.string().min(1),
  email: z.string().min(3),
  access_token: z.string().min(1),
  accounts: z.array(z.object({ account_id: id, role }).strict()),
}).strict();

const botSchema = z.object({
  id,
  name: z.string().min(1),
  access_token: z.string().min(1),
  account_id: id.nullable().optional(),
  inbox_ids: z.array(id).optional(),
}).strict();

const inboxSchema = z.object({
  id,
  account_id: id,
  name: z.string().min(1),
  channel_type: z.enum(['api', 'web_widget']).optional(),
  webhook_url: z.string().optional(),
  inbox_identifier: z.string().min(1).optional(),
  hmac_token: z.string().min(1).optional(),
  secret: z.string().min(1).optional(),
  hmac_mandatory: z.boolean().optional(),
  lock_to_single_conversation: z.boolean().optional(),
  allow_messages_after_resolved: z.boolean().optional(),
  /** Agent user ids assigned to the inbox. */
  members: z.array(id).optional(),
}).strict();

const attributeSchema = z.object({
  account_id: id,
  attribute_key: z.string().min(1),
  attribute_display_name: z.string().optional(),
  attribute_display_type: z.string().optional(),
  attribute_model: z.enum(['contact_attribute', 'conversation_attribute']),
}).strict();

const webhookSchema = z.object({
  account_id: id,
  url: z.string().min(1),
  name: z.string().optional(),
  subscriptions: z.array(z.string()).optional(),
  secret: z.string().min(1).optional(),
  inbox_id: id.optional(),
}).strict();

export const seedSchema = z.object({
  accounts: z.array(accountSchema).min(1),
  users: z.array(userSchema).default([]),
  agent_bots: z.array(botSchema).default([]),
  inboxes: z.array(inboxSchema).default([]),
  custom_attribute_definitions: z.array(attributeSchema).default([]),
  webhooks: z.array(webhookSchema).default([]),
}).strict();

export type Seed = z.infer<typeof seedSchema>;

/**
 * Account 1 with an administrator, an agent (member of both inboxes) and a bot on the API inbox; account 2
 * with its own administrator, for "token of another account" cases.
 */
export const DEFAULT_SEED: Seed = {
  accounts: [
    { id: 1, name: 'Acme Support' },
    { id: 2, name: 'Other Company' },
  ],
  users: [
    { id: 1, name: 'Alice Admin', email: 'alice@acme.test', access_token: 'admin-token', accounts: [{ account_id: 1, role: 'administrator' }] },
    { id: 2, name: 'Bob Agent', email: 'bob@acme.test', access_token: 'agent-token', accounts: [{ account_id: 1, role: 'agent' }] },
    { id: 3, name: 'Olga Other', email: 'olga@other.test', access_token: 'other-token', accounts: [{ account_id: 2, role: 'administrator' }] },
  ],
  agent_bots: [{ id: 1, name: 'Acme Bot', access_token: 'bot-token', account_id: 1, inbox_ids: [1] }],
  inboxes: [
    { id: 1, account_id: 1, name: 'WhatsApp', channel_type: 'api', members: [2] },
    { id: 2, account_id: 1, name: 'Website', channel_type: 'web_widget', members: [2] },
  ],
  custom_attribute_definitions: [],
  webhooks: [],
};

/** Parses and checks a seed; the errors name the field (`inboxes.0.account_id: …`). */
export function parseSeed(value: unknown): { seed: Seed } | { problems: string[] } {
  const parsed = seedSchema.safeParse(value);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`) };
  }
  const problems = crossCheck(parsed.data);
  return problems.length > 0 ? { problems } : { seed: parsed.data };
}

function crossCheck(seed: Seed): string[] {
  const problems: string[] = [];
  const unique = (what: string, values: readonly (number | string)[]): void => {
    const seen = new Set<number | string>();
    for (const value of values) {
      if (seen.has(value)) problems.push(`${what}: ${value} appears twice`);
      seen.add(value);
    }
  };
  unique('accounts.id', seed.accounts.map((a) => a.id));
  unique('users.id', seed.users.map((u) => u.id));
  unique('agent_bots.id', seed.agent_bots.map((b) => b.id));
  unique('inboxes.id', seed.inboxes.map((i) => i.id));
  unique('access_token', [...seed.users.map((u) => u.access_token), ...seed.agent_bots.map((b) => b.access_token)]);
  const accounts = new Set(seed.accounts.map((a) => a.id));
  const inboxes = new Map(seed.inboxes.map((i) => [i.id, i]));
  seed.users.forEach((user, i) => user.accounts.forEach((membership, j) => {
    if (!accounts.has(membership.account_id)) problems.push(`users.${i}.accounts.${j}.account_id: no account ${membership.account_id}`);
  }));
  seed.inboxes.forEach((inbox, i) => {
    if (!accounts.has(inbox.account_id)) problems.push(`inboxes.${i}.account_id: no account ${inbox.account_id}`);
    for (const member of inbox.members ?? []) {
      const user = seed.users.find((u) => u.id === member);
      if (!user?.accounts.some((m) => m.account_id === inbox.account_id)) {
        problems.push(`inboxes.${i}.members: user ${member} is not a user of account ${inbox.account_id}`);
      }
    }
  });
  seed.agent_bots.forEach((bot, i) => {
    if (bot.account_id !== undefined && bot.account_id !== null && !accounts.has(bot.account_id)) {
      problems.push(`agent_bots.${i}.account_id: no account ${bot.account_id}`);
    }
    for (const inboxId of bot.inbox_ids ?? []) if (!inboxes.has(inboxId)) problems.push(`agent_bots.${i}.inbox_ids: no inbox ${inboxId}`);
  });
  seed.custom_attribute_definitions.forEach((def, i) => {
    if (!accounts.has(def.account_id)) problems.push(`custom_attribute_definitions.${i}.account_id: no account ${def.account_id}`);
  });
  seed.webhooks.forEach((hook, i) => {
    if (!accounts.has(hook.account_id)) problems.push(`webhooks.${i}.account_id: no account ${hook.account_id}`);
    if (hook.inbox_id !== undefined && inboxes.get(hook.inbox_id)?.account_id !== hook.account_id) {
      problems.push(`webhooks.${i}.inbox_id: no inbox ${hook.inbox_id} in account ${hook.account_id}`);
    }
  });
  return problems;
}
