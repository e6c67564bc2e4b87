/**
 * @module The classic Theta method (Assimakopoulos & Nikolopoulos) as the M4 benchmark code
 * runs it: the series' least-squares line and SES on the θ=2 line, averaged with equal weights.
 */
import { fitSmoothing, smoothingForecast } from "./exponential-smoothing.js";

export interface ThetaFit {
  points: Float64Array;
  alpha: number;
  intercept: number;
  slope: number;
}

/** Theta forecasts 1..h ahead of a (seasonally adjusted) series. */
export function thetaForecast(y: Float64Array, h: number): ThetaFit {
  const n = y.length;
  const mx = (n + 1) / 2;
  let my = 0;
  for (let i = 0; i < n; i++) my += y[i] as number;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i + 1 - mx) * ((y[i] as number) - my);
    sxx += (i + 1 - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const intercept = my - slope * mx;
  const thetaLine = new Float64Array(n);
  for (let i = 0; i < n; i++) thetaLine[i] = 2 * (y[i] as number) - (intercept + slope * (i + 1));
  const ses = fitSmoothing(thetaLine, "ses");
  const sesPoints = smoothingForecast(ses, h);
  const points = new Float64Array(h);
  for (let k = 0; k < h; k++) {
    points[k] = 0.5 * (sesPoints[k] as number) + 0.5 * (intercept + slope * (n + k + 1));
  }
  return { points, alpha: ses.alpha, intercept, slope };
}
