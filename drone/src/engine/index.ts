/**
 * @module The drone's pure engine: everything between a fetched response body and the records
 * it publishes (finding the records, reading fields, times and numbers, normalising), with no I/O
 * so it can be tested against recorded responses alone.
 */
export { selectRecords } from "./extract.js";
export {
  createNormaliser,
  measureUnits,
  type NormaliseResult,
  type Normaliser,
  normaliseAll,
  type SkipKind,
} from "./normalise.js";
export { type NumberProblem, type ParsedNumber, parseNumber } from "./numbers.js";
export { type Accessor, compilePath } from "./paths.js";
export { compileTimeParser, parseTime, TIME_MISSING, type TimeParser } from "./time.js";
