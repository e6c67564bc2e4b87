CREATE TABLE "observation_rollups" (
	"series_id" bigint NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"n" integer NOT NULL,
	"total" double precision,
	"lo" double precision,
	"hi" double precision,
	"first_ts" timestamp with time zone NOT NULL,
	"first_value" double precision,
	"last_ts" timestamp with time zone NOT NULL,
	"last_value" double precision,
	CONSTRAINT "observation_rollups_series_id_bucket_pk" PRIMARY KEY("series_id","bucket")
);
--> statement-breakpoint
ALTER TABLE "series" ADD COLUMN "rollup_from" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "observation_rollups" ADD CONSTRAINT "observation_rollups_series_id_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."series"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "series_rollup_pending_idx" ON "series" USING btree ("rollup_from") WHERE rollup_from is not null;--> statement-breakpoint
-- Series stored before rollups existed get theirs built by the refresher.
UPDATE "series" SET "rollup_from" = "first_ts" WHERE "first_ts" IS NOT NULL;
