ALTER TABLE `webhook_deliveries` ADD `event_type` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `webhook_deliveries` SET `event_type` = coalesce(json_extract(`body`, '$.type'), '') WHERE json_valid(`body`);
