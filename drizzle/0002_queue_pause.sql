ALTER TABLE `devices` ADD `paused_until` integer;--> statement-breakpoint
ALTER TABLE `devices` ADD `pause_reason` text;