CREATE TABLE "forecast_points" (
	"run_id" bigint NOT NULL,
	"step" integer NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"value" double precision NOT NULL,
	"lower" double precision[] NOT NULL,
	"upper" double precision[] NOT NULL,
	CONSTRAINT "forecast_points_run_id_step_pk" PRIMARY KEY("run_id","step")
);
--> statement-breakpoint
CREATE TABLE "forecast_runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "forecast_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"tenant_id" text NOT NULL,
	"spec_id" text,
	"series_id" bigint NOT NULL,
	"trigger" text NOT NULL,
	"slot" timestamp with time zone,
	"status" text NOT NULL,
	"requested_model" text NOT NULL,
	"model" text,
	"params" jsonb,
	"horizon" integer NOT NULL,
	"levels" jsonb NOT NULL,
	"period" integer,
	"frequency" text,
	"train_from" timestamp with time zone,
	"train_to" timestamp with time zone,
	"train_points" integer,
	"backtest" jsonb,
	"notes" jsonb,
	"error_code" text,
	"error_message" text,
	"version" integer,
	"data_marker" text,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"fit_ms" integer,
	"instance" text
);
--> statement-breakpoint
CREATE TABLE "forecast_specs" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text,
	"series_id" bigint,
	"selector" jsonb,
	"model" text DEFAULT 'auto' NOT NULL,
	"horizon" integer NOT NULL,
	"levels" jsonb DEFAULT '[80,95]'::jsonb NOT NULL,
	"schedule" jsonb,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_slot" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text,
	CONSTRAINT "forecast_specs_target_ck" CHECK ((series_id is null) <> (selector is null))
);
--> statement-breakpoint
ALTER TABLE "forecast_points" ADD CONSTRAINT "forecast_points_run_id_forecast_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."forecast_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forecast_runs" ADD CONSTRAINT "forecast_runs_spec_id_forecast_specs_id_fk" FOREIGN KEY ("spec_id") REFERENCES "public"."forecast_specs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forecast_runs" ADD CONSTRAINT "forecast_runs_series_id_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."series"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forecast_specs" ADD CONSTRAINT "forecast_specs_series_id_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."series"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "forecast_runs_series_idx" ON "forecast_runs" USING btree ("tenant_id","series_id","id");--> statement-breakpoint
CREATE INDEX "forecast_runs_spec_idx" ON "forecast_runs" USING btree ("spec_id","series_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "forecast_runs_slot_uq" ON "forecast_runs" USING btree ("spec_id","series_id","slot");--> statement-breakpoint
CREATE UNIQUE INDEX "forecast_runs_version_uq" ON "forecast_runs" USING btree ("series_id","version");--> statement-breakpoint
CREATE INDEX "forecast_specs_tenant_idx" ON "forecast_specs" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "forecast_specs_scheduled_idx" ON "forecast_specs" USING btree ("enabled") WHERE schedule is not null;