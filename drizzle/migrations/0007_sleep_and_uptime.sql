CREATE TABLE "cleanup_counters" (
	"event" text PRIMARY KEY NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "github_pull_requests" ADD COLUMN "waiting_quota" jsonb;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "created_by" text;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "sleeping_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "last_request_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "down_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "probe_failures" integer DEFAULT 0 NOT NULL;