/** @module The reporter's environment. */
import { baseConfigShape, loadConfig as load } from "@chartly/platform";
import { z } from "zod";

export const ConfigSchema = z.object({
  ...baseConfigShape,
  HTTP_PORT: baseConfigShape.HTTP_PORT.default(8094),
  DATABASE_URL: z.string().min(1),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config =>
  load(ConfigSchema, env);
