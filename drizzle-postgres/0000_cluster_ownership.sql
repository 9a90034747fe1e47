CREATE TABLE "assignments" (
	"phone_number" text PRIMARY KEY NOT NULL,
	"node_id" text,
	"node_incarnation" uuid,
	"fence" bigint DEFAULT 0 NOT NULL,
	"desired_state" text DEFAULT 'running' NOT NULL,
	"min_gowa_version" text DEFAULT '0.0.0' NOT NULL,
	"claimed_at" timestamp with time zone,
	"released_at" timestamp with time zone,
	"released_by" text,
	"failed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "assignments_owner_pair" CHECK (("assignments"."node_id" IS NULL) = ("assignments"."node_incarnation" IS NULL)),
	CONSTRAINT "assignments_desired_state" CHECK ("assignments"."desired_state" IN ('running', 'stopped')),
	CONSTRAINT "assignments_min_gowa_version_format" CHECK (min_gowa_version ~ '^[0-9]+\.[0-9]+\.[0-9]+$')
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"node_id" text PRIMARY KEY NOT NULL,
	"incarnation" uuid NOT NULL,
	"advertise_url" text NOT NULL,
	"capacity" integer NOT NULL,
	"gowa_version" text NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"renewed_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"draining" boolean DEFAULT false NOT NULL,
	CONSTRAINT "nodes_gowa_version_format" CHECK (gowa_version ~ '^[0-9]+\.[0-9]+\.[0-9]+$'),
	CONSTRAINT "nodes_capacity_positive" CHECK ("nodes"."capacity" > 0)
);
--> statement-breakpoint
CREATE TABLE "ownership_moves" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ownership_moves_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"phone_number" text NOT NULL,
	"from_node" text,
	"to_node" text,
	"fence" bigint NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "assignments_owner" ON "assignments" USING btree ("node_id","node_incarnation");--> statement-breakpoint
CREATE INDEX "ownership_moves_number" ON "ownership_moves" USING btree ("phone_number","id");--> statement-breakpoint
CREATE INDEX "ownership_moves_at" ON "ownership_moves" USING btree ("at");