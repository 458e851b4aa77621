CREATE TABLE "runtime_log_chunks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"appserver_id" integer NOT NULL,
	"offset" bigint NOT NULL,
	"content" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runtime_logs" (
	"appserver_id" integer PRIMARY KEY NOT NULL,
	"start_offset" bigint NOT NULL,
	"offset" bigint NOT NULL,
	"dropped_bytes" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "runtime_log_chunks" ADD CONSTRAINT "runtime_log_chunks_appserver_id_appservers_id_fk" FOREIGN KEY ("appserver_id") REFERENCES "public"."appservers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runtime_logs" ADD CONSTRAINT "runtime_logs_appserver_id_appservers_id_fk" FOREIGN KEY ("appserver_id") REFERENCES "public"."appservers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "runtime_log_chunks_appserver_offset_idx" ON "runtime_log_chunks" USING btree ("appserver_id","offset");