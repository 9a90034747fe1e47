CREATE TABLE `chatwoot_bindings` (
	`phone_number` text PRIMARY KEY NOT NULL,
	`hook_id` text NOT NULL,
	`base_url` text NOT NULL,
	`account_id` integer NOT NULL,
	`inbox_id` integer NOT NULL,
	`inbox_name` text,
	`api_token` text NOT NULL,
	`webhook_secret` text,
	`webhook_url` text NOT NULL,
	`options` text NOT NULL,
	`owner_id` integer,
	`outward_only` integer NOT NULL,
	`import_pending` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chatwoot_bindings_hook_id_unique` ON `chatwoot_bindings` (`hook_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `chatwoot_bindings_inbox_idx` ON `chatwoot_bindings` (`base_url`,`account_id`,`inbox_id`);--> statement-breakpoint
CREATE TABLE `chatwoot_commands` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_key` text NOT NULL,
	`verdict` text NOT NULL,
	`reason` text,
	`command` text,
	`sender` text,
	`account_id` integer,
	`inbox_id` integer,
	`conversation_id` integer,
	`phone_number` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chatwoot_commands_delivery_key_unique` ON `chatwoot_commands` (`delivery_key`);--> statement-breakpoint
CREATE INDEX `chatwoot_commands_created_idx` ON `chatwoot_commands` (`created_at`);--> statement-breakpoint
CREATE TABLE `chatwoot_contacts` (
	`phone_number` text NOT NULL,
	`chat_key` text NOT NULL,
	`contact_id` integer NOT NULL,
	`source_id` text NOT NULL,
	`conversation_id` integer,
	`conversation_status` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`phone_number`, `chat_key`)
);
--> statement-breakpoint
CREATE INDEX `chatwoot_contacts_conversation_idx` ON `chatwoot_contacts` (`phone_number`,`conversation_id`);--> statement-breakpoint
CREATE TABLE `chatwoot_jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`phone_number` text NOT NULL,
	`direction` text NOT NULL,
	`lane` text NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`give_up_at` integer NOT NULL,
	`last_error` text,
	`done_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `chatwoot_jobs_lane_idx` ON `chatwoot_jobs` (`phone_number`,`lane`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `chatwoot_jobs_status_idx` ON `chatwoot_jobs` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `chatwoot_jobs_open_idx` ON `chatwoot_jobs` (`phone_number`,`kind`,`ref`) WHERE status = 'pending';--> statement-breakpoint
CREATE TABLE `chatwoot_links` (
	`phone_number` text NOT NULL,
	`store_id` text NOT NULL,
	`wa_id` text,
	`conversation_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`origin` text NOT NULL,
	`synced` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`phone_number`, `store_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chatwoot_links_wa_idx` ON `chatwoot_links` (`phone_number`,`wa_id`) WHERE wa_id is not null;--> statement-breakpoint
CREATE INDEX `chatwoot_links_message_idx` ON `chatwoot_links` (`phone_number`,`message_id`);--> statement-breakpoint
CREATE TABLE `chatwoot_posts` (
	`phone_number` text NOT NULL,
	`source_id` text NOT NULL,
	`conversation_id` integer NOT NULL,
	`message_id` integer,
	`after_id` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`phone_number`, `source_id`)
);
--> statement-breakpoint
CREATE INDEX `chatwoot_posts_message_idx` ON `chatwoot_posts` (`phone_number`,`message_id`);--> statement-breakpoint
CREATE INDEX `chatwoot_posts_conversation_idx` ON `chatwoot_posts` (`phone_number`,`conversation_id`,`message_id`);--> statement-breakpoint
CREATE TABLE `chatwoot_receipts` (
	`key` text PRIMARY KEY NOT NULL,
	`phone_number` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `chatwoot_receipts_created_idx` ON `chatwoot_receipts` (`created_at`);--> statement-breakpoint
ALTER TABLE `devices` ADD `pending_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `devices_pending_id_idx` ON `devices` (`pending_id`);