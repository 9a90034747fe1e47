ALTER TABLE `webhook_deliveries` ADD `scope` text DEFAULT 'device' NOT NULL;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `give_up_at` integer DEFAULT 0 NOT NULL;