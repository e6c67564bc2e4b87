CREATE TABLE "cursors" (
	"tenant_id" text NOT NULL,
	"profile_id" text NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"position" numeric NOT NULL,
	"run_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cursors_tenant_id_profile_id_pk" PRIMARY KEY("tenant_id","profile_id")
);
