CREATE TABLE `conversation_aliases` (
	`phone_number` text NOT NULL,
	`lid` text NOT NULL,
	`jid` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`phone_number`, `lid`)
);
--> statement-breakpoint
CREATE TABLE `conversation_annotations` (
	`phone_number` text NOT NULL,
	`target_wa_id` text NOT NULL,
	`kind` text NOT NULL,
	`actor` text NOT NULL,
	`value` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`phone_number`, `target_wa_id`, `kind`, `actor`)
);
--> statement-breakpoint
CREATE TABLE `conversation_messages` (
	`key` integer PRIMARY KEY NOT NULL,
	`outbox_id` text,
	`phone_number` text NOT NULL,
	`chat_key` text NOT NULL,
	`chat_jid` text,
	`wa_id` text,
	`direction` text NOT NULL,
	`type` text NOT NULL,
	`sender_jid` text,
	`sender_lid` text,
	`sender_name` text,
	`text` text,
	`file_name` text,
	`media` text,
	`content` text,
	`status` text NOT NULL,
	`error` text,
	`at` integer NOT NULL,
	`sent_at` integer,
	`delivered_at` integer,
	`read_at` integer,
	`edited_at` integer,
	`deleted_at` integer,
	`source` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversation_messages_wa_idx` ON `conversation_messages` (`phone_number`,`wa_id`) WHERE wa_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `conversation_messages_outbox_idx` ON `conversation_messages` (`outbox_id`) WHERE outbox_id is not null;--> statement-breakpoint
CREATE INDEX `conversation_messages_chat_idx` ON `conversation_messages` (`phone_number`,`chat_key`,`key`);--> statement-breakpoint
CREATE TABLE `conversation_syncs` (
	`phone_number` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`since` integer NOT NULL,
	`until` integer NOT NULL,
	`chats` text,
	`chat_index` integer DEFAULT 0 NOT NULL,
	`offset` integer DEFAULT 0 NOT NULL,
	`messages_seen` integer DEFAULT 0 NOT NULL,
	`messages_added` integer DEFAULT 0 NOT NULL,
	`error` text,
	`requested_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`last_done_at` integer,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `conversations` (
	`phone_number` text NOT NULL,
	`chat_key` text NOT NULL,
	`alt_jid` text,
	`type` text NOT NULL,
	`name` text,
	`last_key` integer DEFAULT 0 NOT NULL,
	`unread` integer DEFAULT 0 NOT NULL,
	`read_key` integer DEFAULT 0 NOT NULL,
	`archived` integer DEFAULT false NOT NULL,
	`pinned` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`phone_number`, `chat_key`)
);
--> statement-breakpoint
CREATE INDEX `conversations_phone_last_idx` ON `conversations` (`phone_number`,`last_key`,`chat_key`);