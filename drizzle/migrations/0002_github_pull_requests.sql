CREATE TABLE "github_pull_requests" (
	"id" serial PRIMARY KEY NOT NULL,
	"repository" text NOT NULL,
	"number" integer NOT NULL,
	"installation_id" bigint,
	"instance_id" integer,
	"state" text NOT NULL,
	"merged" boolean DEFAULT false NOT NULL,
	"draft" boolean DEFAULT false NOT NULL,
	"head_sha" text NOT NULL,
	"author" text NOT NULL,
	"from_fork" boolean DEFAULT false NOT NULL,
	"waiting" text,
	"closed_at" timestamp with time zone,
	"notice" jsonb,
	"check_run_id" bigint,
	"check_run_sha" text,
	"check_run_digest" text,
	"comment_id" bigint,
	"comment_digest" text,
	"deployment_id" bigint,
	"deployment_sha" text,
	"deployment_digest" text,
	"synced_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "github_pull_requests" ADD CONSTRAINT "github_pull_requests_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "github_pull_requests_pr_idx" ON "github_pull_requests" USING btree (lower("repository"),"number");--> statement-breakpoint
CREATE INDEX "github_pull_requests_instance_idx" ON "github_pull_requests" USING btree ("instance_id");--> statement-breakpoint
CREATE INDEX "github_pull_requests_check_run_idx" ON "github_pull_requests" USING btree ("check_run_id");