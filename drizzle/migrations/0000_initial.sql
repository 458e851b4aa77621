CREATE TABLE "appservers" (
	"id" serial PRIMARY KEY NOT NULL,
	"instance_id" integer NOT NULL,
	"deployment_id" integer,
	"number" integer NOT NULL,
	"state" text DEFAULT 'new' NOT NULL,
	"config" jsonb NOT NULL,
	"commit_sha" text,
	"ref" text,
	"host_id" integer,
	"port" integer,
	"work_dir" text,
	"log_offset" bigint DEFAULT 0 NOT NULL,
	"exit_code" integer,
	"service_started_at" timestamp with time zone,
	"failure_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"configuring_at" timestamp with time zone,
	"ready_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"activated_at" timestamp with time zone,
	"terminated_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"surface" text NOT NULL,
	"action" text NOT NULL,
	"instance_id" integer,
	"instance_slug" text,
	"result" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" serial PRIMARY KEY NOT NULL,
	"instance_id" integer NOT NULL,
	"requested_by" text NOT NULL,
	"surface" text NOT NULL,
	"commit_sha" text,
	"ref" text,
	"attempts" integer DEFAULT 1 NOT NULL,
	"activate_on_success" boolean DEFAULT true NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "hosts" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"provider" text NOT NULL,
	"address" text NOT NULL,
	"port" integer DEFAULT 22 NOT NULL,
	"user" text,
	"capacity" integer NOT NULL,
	"port_range_low" integer NOT NULL,
	"port_range_high" integer NOT NULL,
	"work_root" text NOT NULL,
	"labels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"private_key_path" text,
	"private_key_env" text,
	"host_key_fingerprint" text,
	"known_hosts" text,
	"accepts_new" boolean DEFAULT true NOT NULL,
	"from_config" boolean DEFAULT true NOT NULL,
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hosts_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "instance_tags" (
	"instance_id" integer NOT NULL,
	"tag" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "instance_tags_instance_id_tag_pk" PRIMARY KEY("instance_id","tag")
);
--> statement-breakpoint
CREATE TABLE "instances" (
	"id" serial PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"domain" text NOT NULL,
	"extra_domains" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"kind" text NOT NULL,
	"repository_id" integer,
	"repo_url" text,
	"ref" text,
	"pr_repo" text,
	"pr_number" integer,
	"pr_url" text,
	"pr_author" text,
	"pr_head_sha" text,
	"pr_from_fork" boolean DEFAULT false NOT NULL,
	"approved_by" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"database_mode" text DEFAULT 'ephemeral' NOT NULL,
	"settings_errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"production" boolean DEFAULT false NOT NULL,
	"pinned" boolean DEFAULT false NOT NULL,
	"active_appserver_id" integer,
	"last_activity_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"archived_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "instances_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "log_chunks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"appserver_id" integer NOT NULL,
	"offset" bigint NOT NULL,
	"content" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "repositories" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"url" text,
	"recipe" text NOT NULL,
	"default_settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"default_fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "repositories_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "system_flags" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"delivery_id" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"action" text,
	"repository" text,
	"pr_number" integer,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "worker_heartbeats" (
	"worker_id" text PRIMARY KEY NOT NULL,
	"process" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "appservers" ADD CONSTRAINT "appservers_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appservers" ADD CONSTRAINT "appservers_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appservers" ADD CONSTRAINT "appservers_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_tags" ADD CONSTRAINT "instance_tags_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_repository_id_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."repositories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_chunks" ADD CONSTRAINT "log_chunks_appserver_id_appservers_id_fk" FOREIGN KEY ("appserver_id") REFERENCES "public"."appservers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "appservers_instance_number_idx" ON "appservers" USING btree ("instance_id","number");--> statement-breakpoint
CREATE INDEX "appservers_state_idx" ON "appservers" USING btree ("state");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "deployments_instance_idx" ON "deployments" USING btree ("instance_id");--> statement-breakpoint
CREATE UNIQUE INDEX "instances_pr_idx" ON "instances" USING btree ("pr_repo","pr_number") WHERE "instances"."kind" = 'pr';--> statement-breakpoint
CREATE UNIQUE INDEX "log_chunks_appserver_offset_idx" ON "log_chunks" USING btree ("appserver_id","offset");