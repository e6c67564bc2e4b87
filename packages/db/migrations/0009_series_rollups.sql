ALTER TABLE "series" ADD COLUMN "rollups" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Series that already have rollups keep them; the refresher decides for the others.
UPDATE "series" s SET "rollups" = true WHERE EXISTS (SELECT 1 FROM "observation_rollups" r WHERE r."series_id" = s."id");
