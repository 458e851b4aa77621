CREATE TABLE "slack_messages" (
	"id" serial PRIMARY KEY NOT NULL,
	"instance_id" integer NOT NULL,
	"purpose" text NOT NULL,
	"subject_id" integer,
	"channel" text NOT NULL,
	"ts" text,
	"requested_by" text,
	"rendered" text,
	"done" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "slack_messages" ADD CONSTRAINT "slack_messages_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "slack_messages_open_idx" ON "slack_messages" USING btree ("instance_id") WHERE not "slack_messages"."done";--> statement-breakpoint
CREATE UNIQUE INDEX "slack_messages_notification_idx" ON "slack_messages" USING btree ("instance_id","channel") WHERE "slack_messages"."purpose" = 'notification';