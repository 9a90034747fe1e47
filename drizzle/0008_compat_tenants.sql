CREATE TABLE `compat_tenants` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`phone_number` text NOT NULL,
	`flask_url` text,
	`empresa_id_type` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `compat_tenants_phone_number_unique` ON `compat_tenants` (`phone_number`);