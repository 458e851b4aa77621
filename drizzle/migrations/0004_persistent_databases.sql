CREATE TABLE "database_servers" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"url_env" text NOT NULL,
	"accepts_new" boolean DEFAULT true NOT NULL,
	"configured" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "database_snapshots" (
	"id" serial PRIMARY KEY NOT NULL,
	"instance_id" integer NOT NULL,
	"dir" text NOT NULL,
	"files" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reason" text NOT NULL,
	"requested_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "instance_databases" (
	"id" serial PRIMARY KEY NOT NULL,
	"instance_id" integer NOT NULL,
	"kind" text NOT NULL,
	"server_id" integer NOT NULL,
	"username" text NOT NULL,
	"password" text NOT NULL,
	"names" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"provisioned_at" timestamp with time zone,
	"drop_attempted_at" timestamp with time zone,
	"drop_error" text,
	"dropped_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "database_snapshots" ADD CONSTRAINT "database_snapshots_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_databases" ADD CONSTRAINT "instance_databases_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_databases" ADD CONSTRAINT "instance_databases_server_id_database_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."database_servers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "database_servers_kind_name_idx" ON "database_servers" USING btree ("kind","name");--> statement-breakpoint
CREATE INDEX "database_snapshots_instance_idx" ON "database_snapshots" USING btree ("instance_id");--> statement-breakpoint
CREATE UNIQUE INDEX "instance_databases_instance_kind_idx" ON "instance_databases" USING btree ("instance_id","kind");--> statement-breakpoint
CREATE INDEX "instance_databases_server_idx" ON "instance_databases" USING btree ("server_id");