CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`env` text NOT NULL,
	`name` text NOT NULL,
	`owner_id` integer NOT NULL,
	`created_by` integer,
	`secret_hash` text NOT NULL,
	`previous_secret_hash` text,
	`previous_valid_until` integer,
	`last_four` text NOT NULL,
	`scopes` text NOT NULL,
	`numbers` text NOT NULL,
	`allowed_cidrs` text,
	`expires_at` integer,
	`last_used_at` integer,
	`last_used_ip` text,
	`rotated_at` integer,
	`revoked_at` integer,
	`revoked_by` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `api_keys_owner_idx` ON `api_keys` (`owner_id`);--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` integer,
	`actor_name` text,
	`key_id` text,
	`ip` text,
	`user_agent` text,
	`request_id` text,
	`action` text NOT NULL,
	`target_type` text,
	`target_id` text,
	`phone_number` text,
	`params` text,
	`result` text NOT NULL,
	`http_status` integer,
	`error_code` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_events_at_idx` ON `audit_events` (`at`);--> statement-breakpoint
CREATE INDEX `audit_events_phone_idx` ON `audit_events` (`phone_number`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_actor_idx` ON `audit_events` (`actor_id`,`id`);--> statement-breakpoint
CREATE TABLE `number_grants` (
	`user_id` integer NOT NULL,
	`phone_number` text NOT NULL,
	`level` text NOT NULL,
	`granted_by` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`user_id`, `phone_number`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`phone_number`) REFERENCES `devices`(`phone_number`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `number_grants_phone_idx` ON `number_grants` (`phone_number`);--> statement-breakpoint
ALTER TABLE `users` ADD `disabled_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `token_generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE TRIGGER `audit_events_append_only` BEFORE UPDATE ON `audit_events` BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
