CREATE TABLE "profile_versions" (
	"tenant_id" text NOT NULL,
	"profile_id" text NOT NULL,
	"version" integer NOT NULL,
	"digest" text NOT NULL,
	"yaml" text NOT NULL,
	"spec" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "profile_versions_tenant_id_profile_id_version_pk" PRIMARY KEY("tenant_id","profile_id","version"),
	CONSTRAINT "profile_versions_digest_uq" UNIQUE("tenant_id","profile_id","digest")
);
--> statement-breakpoint
CREATE TABLE "profiles" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"current_version" integer NOT NULL,
	"digest" text NOT NULL,
	"source_path" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "profiles_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"profile_id" text NOT NULL,
	"profile_version" integer,
	"slot" timestamp with time zone,
	"trigger" text NOT NULL,
	"status" text NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"drone_id" text,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"pages" integer DEFAULT 0 NOT NULL,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"records_out" integer DEFAULT 0 NOT NULL,
	"records_stored" integer DEFAULT 0 NOT NULL,
	"records_updated" integer DEFAULT 0 NOT NULL,
	"skipped" jsonb,
	"error_code" text,
	"error_message" text,
	"cursor_in" jsonb,
	"cursor_out" jsonb
);
--> statement-breakpoint
CREATE TABLE "observations" (
	"series_id" bigint NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"value" double precision,
	"run_id" text,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revisions" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "observations_series_id_ts_pk" PRIMARY KEY("series_id","ts")
);
--> statement-breakpoint
CREATE TABLE "records" (
	"tenant_id" text NOT NULL,
	"profile_id" text NOT NULL,
	"key" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"data" jsonb NOT NULL,
	"run_id" text,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "records_tenant_id_profile_id_key_pk" PRIMARY KEY("tenant_id","profile_id","key")
);
--> statement-breakpoint
CREATE TABLE "series" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "series_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"tenant_id" text NOT NULL,
	"profile_id" text NOT NULL,
	"measure" text NOT NULL,
	"dims" jsonb NOT NULL,
	"dims_key" text NOT NULL,
	"unit" text,
	"first_ts" timestamp with time zone,
	"last_ts" timestamp with time zone,
	"obs_count" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "series_identity_uq" UNIQUE("tenant_id","profile_id","measure","dims_key")
);
--> statement-breakpoint
ALTER TABLE "observations" ADD CONSTRAINT "observations_series_id_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."series"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "profile_versions_profile_idx" ON "profile_versions" USING btree ("tenant_id","profile_id");--> statement-breakpoint
CREATE INDEX "runs_profile_idx" ON "runs" USING btree ("tenant_id","profile_id","queued_at");--> statement-breakpoint
CREATE INDEX "runs_status_idx" ON "runs" USING btree ("tenant_id","status","queued_at");--> statement-breakpoint
CREATE INDEX "records_ts_idx" ON "records" USING btree ("tenant_id","profile_id","ts");--> statement-breakpoint
CREATE INDEX "series_dims_idx" ON "series" USING gin ("dims");