CREATE TABLE "slack_requests_seen" (
	"signature" text PRIMARY KEY NOT NULL,
	"request_timestamp" bigint NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "appservers" ADD COLUMN "log_dropped_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "approved_sha" text;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "access_user" text;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "access_password" text;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "body_digest" text;--> statement-breakpoint
CREATE INDEX "slack_requests_seen_received_idx" ON "slack_requests_seen" USING btree ("received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_body_digest_idx" ON "webhook_deliveries" USING btree ("body_digest");