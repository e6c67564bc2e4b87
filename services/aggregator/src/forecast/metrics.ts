/** @module The forecast metrics on `/metrics`: fits by outcome, failures by code, fit time, horizon. */
import { Counter, Histogram, type Registry } from "prom-client";

export interface ForecastMetrics {
  fits: Counter<"trigger" | "outcome">;
  failures: Counter<"code">;
  fitSeconds: Histogram<"model">;
  horizon: Histogram<"trigger">;
}

export function forecastMetrics(registry: Registry): ForecastMetrics {
  return {
    fits: new Counter({
      name: "chartly_forecast_fits_total",
      help: "Forecast runs finished, by trigger (request, schedule, manual) and outcome (succeeded, failed, skipped).",
      labelNames: ["trigger", "outcome"],
      registers: [registry],
    }),
    failures: new Counter({
      name: "chartly_forecast_failures_total",
      help: "Failed forecast runs, by error code (too_short, invalid_argument, model_failed, deadline_exceeded, …).",
      labelNames: ["code"],
      registers: [registry],
    }),
    fitSeconds: new Histogram({
      name: "chartly_forecast_fit_seconds",
      help: "Time to fit a forecast in a worker thread, by the model that produced it.",
      labelNames: ["model"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    horizon: new Histogram({
      name: "chartly_forecast_horizon_steps",
      help: "Horizon of the forecasts asked for, in steps.",
      labelNames: ["trigger"],
      buckets: [1, 6, 12, 24, 48, 96, 168, 336, 720, 2000],
      registers: [registry],
    }),
  };
}
