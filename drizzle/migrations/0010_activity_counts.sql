CREATE TABLE "instance_hits" (
	"instance_id" integer NOT NULL,
	"day" text NOT NULL,
	"hits" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "instance_hits_instance_id_day_pk" PRIMARY KEY("instance_id","day")
);
--> statement-breakpoint
CREATE TABLE "instance_visitors" (
	"instance_id" integer NOT NULL,
	"day" text NOT NULL,
	"visitor" text NOT NULL,
	CONSTRAINT "instance_visitors_instance_id_day_visitor_pk" PRIMARY KEY("instance_id","day","visitor")
);
--> statement-breakpoint
ALTER TABLE "instance_hits" ADD CONSTRAINT "instance_hits_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_visitors" ADD CONSTRAINT "instance_visitors_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE cascade ON UPDATE no action;