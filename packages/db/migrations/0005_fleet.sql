CREATE TABLE "profile_schedules" (
	"tenant_id" text NOT NULL,
	"profile_id" text NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"paused_at" timestamp with time zone,
	"override" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text,
	CONSTRAINT "profile_schedules_tenant_id_profile_id_pk" PRIMARY KEY("tenant_id","profile_id")
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "max_attempts" integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "runs_open_idx" ON "runs" USING btree ("status","next_attempt_at") WHERE status in ('queued', 'running', 'failed', 'retrying');