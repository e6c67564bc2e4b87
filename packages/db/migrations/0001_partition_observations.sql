-- Observations become range-partitioned by year (UTC). The aggregator creates the partition of
-- a year the first time it writes a point in it; retention drops whole partitions.
ALTER TABLE "observations" RENAME TO "observations_unpartitioned";--> statement-breakpoint
ALTER TABLE "observations_unpartitioned" RENAME CONSTRAINT "observations_series_id_ts_pk" TO "observations_unpartitioned_pk";--> statement-breakpoint
ALTER TABLE "observations_unpartitioned" DROP CONSTRAINT "observations_series_id_series_id_fk";--> statement-breakpoint
CREATE TABLE "observations" (
	"series_id" bigint NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"value" double precision,
	"run_id" text,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revisions" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "observations_series_id_ts_pk" PRIMARY KEY("series_id","ts")
) PARTITION BY RANGE ("ts");--> statement-breakpoint
ALTER TABLE "observations" ADD CONSTRAINT "observations_series_id_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."series"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
DO $$
DECLARE y int;
BEGIN
  FOR y IN SELECT DISTINCT extract(year FROM ts AT TIME ZONE 'UTC')::int FROM observations_unpartitioned LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF observations FOR VALUES FROM (%L) TO (%L)',
      'observations_y' || lpad(y::text, 4, '0'),
      make_timestamptz(y, 1, 1, 0, 0, 0, 'UTC'),
      make_timestamptz(y + 1, 1, 1, 0, 0, 0, 'UTC'));
  END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "observations" SELECT * FROM "observations_unpartitioned";--> statement-breakpoint
DROP TABLE "observations_unpartitioned";
