/**
 * @module The drone's pure engine: everything between a fetched response body and the records
 * it publishes (finding the records, shaping them, reading fields, expressions, times and numbers,
 * normalising), with no I/O so it can be tested against recorded responses alone.
 */
export {
  type Compiled,
  compileExpressions,
  type Evaluated,
  EXPR_PREFIX,
  fieldRefs,
  isExpression,
  type RecordExpressions,
} from "./expressions.js";
export { firstMatch, selectRecords } from "./extract.js";
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
export { type Shaper, shaper } from "./shape.js";
export { compileTimeParser, parseTime, TIME_AGGREGATE, TIME_MISSING, type TimeParser } from "./time.js";
