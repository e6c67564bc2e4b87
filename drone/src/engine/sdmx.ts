/**
 * @module SDMX data messages as records, one per observation, shaped alike whichever of the two
 * common encodings a statistics office answers with:
 * - SDMX-JSON (1.0, and 2.0's `data.structures`): observations keyed by colon-joined positions
 *   (`"0:2:1"`) into the structure's dimension values, flat or grouped by series. Each dimension
 *   and each attribute becomes a field named by its id holding the code, the value is `OBS_VALUE`,
 *   and the names of dimension and attribute values go under `labels`.
 * - SDMX-CSV (1.0 and 2.0, read by the `csv` format first): with `labels=both` the headers are
 *   `ID: Name` and coded cells `CODE: Name`; the header's id names the field, the code is the
 *   value and the name goes under `labels`. Without labels a row passes through as it is.
 *
 * @example
 * [...sdmxJsonRecords(oecdBody)][0];
 * // { LOCATION: "AUS", IND: "...", OBS_VALUE: 11.96, labels: { LOCATION: "Australia", ... } }
 * sdmxCsvRecord({ "REF_AREA: Reference area": "GBR: United Kingdom", OBS_VALUE: "1" });
 * // { REF_AREA: "GBR", OBS_VALUE: "1", labels: { REF_AREA: "United Kingdom" } }
 */

type Json = Record<string, unknown>;

interface Component {
  id: string;
  values: { code: unknown; label: string | undefined }[];
}

interface Structure {
  dataSet: Component[];
  series: Component[];
  observation: Component[];
  attributes: { dataSet: Component[]; series: Component[]; observation: Component[] };
}

export function* sdmxJsonRecords(item: unknown): Iterable<Json> {
  if (!isObject(item))
    throw new Error(`shape sdmx-json needs an SDMX-JSON data message, got ${describe(item)}`);
  const message = isObject(item.data) ? item.data : item;
  const dataSets = message.dataSets;
  if (!Array.isArray(dataSets)) throw new Error("shape sdmx-json found no dataSets list in the message");
  const structures = Array.isArray(message.structures) ? message.structures : [message.structure];
  for (const dataSet of dataSets) {
    if (!isObject(dataSet)) continue;
    const which = typeof dataSet.structure === "number" ? dataSet.structure : 0;
    const structure = readStructure(structures[which]);
    yield* dataSetRecords(dataSet, structure);
  }
}

function* dataSetRecords(dataSet: Json, structure: Structure): Iterable<Json> {
  const base: Json = {};
  const baseLabels: Json = {};
  for (const dimension of structure.dataSet) put(base, baseLabels, dimension, 0);
  attributesInto(base, baseLabels, structure.attributes.dataSet, dataSet.attributes, 0);

  if (isObject(dataSet.series)) {
    for (const [seriesKey, series] of Object.entries(dataSet.series)) {
      if (!isObject(series)) continue;
      const record: Json = { ...base };
      const labels: Json = { ...baseLabels };
      positionsInto(record, labels, structure.series, seriesKey);
      attributesInto(record, labels, structure.attributes.series, series.attributes, 0);
      if (isObject(series.observations)) yield* observations(series.observations, structure, record, labels);
    }
  }
  if (isObject(dataSet.observations)) yield* observations(dataSet.observations, structure, base, baseLabels);
}

function* observations(observed: Json, structure: Structure, base: Json, baseLabels: Json): Iterable<Json> {
  for (const [key, observation] of Object.entries(observed)) {
    const record: Json = { ...base };
    const labels: Json = { ...baseLabels };
    positionsInto(record, labels, structure.observation, key);
    const values = Array.isArray(observation) ? observation : [observation];
    record.OBS_VALUE = values[0] ?? null;
    attributesInto(record, labels, structure.attributes.observation, values, 1);
    record.labels = labels;
    yield record;
  }
}

function positionsInto(record: Json, labels: Json, dimensions: Component[], key: string): void {
  const positions = key === "" ? [] : key.split(":");
  if (positions.length !== dimensions.length) {
    throw new Error(
      `SDMX-JSON key "${key}" has ${positions.length} positions but ${dimensions.length} dimensions`,
    );
  }
  dimensions.forEach((dimension, at) => {
    put(record, labels, dimension, Number(positions[at]));
  });
}

function attributesInto(
  record: Json,
  labels: Json,
  attributes: Component[],
  indexes: unknown,
  offset: number,
): void {
  if (!Array.isArray(indexes)) return;
  attributes.forEach((attribute, at) => {
    const index = indexes[at + offset];
    if (typeof index === "number") put(record, labels, attribute, index);
  });
}

function put(record: Json, labels: Json, component: Component, position: number): void {
  const value = component.values[position];
  if (!value) return;
  record[component.id] = value.code;
  if (value.label !== undefined) labels[component.id] = value.label;
}

function readStructure(raw: unknown): Structure {
  if (!isObject(raw)) throw new Error("SDMX-JSON message has no structure for its data set");
  const dimensions = isObject(raw.dimensions) ? raw.dimensions : {};
  const attributes = isObject(raw.attributes) ? raw.attributes : {};
  return {
    dataSet: components(dimensions.dataSet),
    series: components(dimensions.series),
    observation: components(dimensions.observation),
    attributes: {
      dataSet: components(attributes.dataSet),
      series: components(attributes.series),
      observation: components(attributes.observation),
    },
  };
}

/** Dimensions are listed in key order; `keyPosition`, when given, is the authority. */
function components(raw: unknown): Component[] {
  if (!Array.isArray(raw)) return [];
  const list = raw.filter(isObject).map((component, at) => ({
    position: typeof component.keyPosition === "number" ? component.keyPosition : at,
    id: String(component.id),
    values: (Array.isArray(component.values) ? component.values : []).map((value: unknown) =>
      isObject(value)
        ? { code: value.id ?? value.value ?? nameOf(value), label: nameOf(value) }
        : { code: value, label: undefined },
    ),
  }));
  return list.sort((a, b) => a.position - b.position).map(({ id, values }) => ({ id, values }));
}

/** SDMX-JSON 2.0 localises names (`names: {en: ...}`); 1.0 gives one `name`. */
function nameOf(value: Json): string | undefined {
  if (typeof value.name === "string") return value.name;
  const names = isObject(value.names) ? value.names : isObject(value.name) ? value.name : undefined;
  if (!names) return undefined;
  const first = names.en ?? Object.values(names)[0];
  return typeof first === "string" ? first : undefined;
}

const LABELLED = /^([^:\s]+): (.*)$/s;

/** One SDMX-CSV row (an object keyed by header) with `ID: Name` headers and cells split. */
export function sdmxCsvRecord(row: unknown): Json {
  if (!isObject(row)) {
    throw new Error(`shape sdmx-csv needs rows read with a header (csv header: true), got ${describe(row)}`);
  }
  const record: Json = {};
  const labels: Json = {};
  for (const [header, cell] of Object.entries(row)) {
    const labelled = LABELLED.exec(header);
    if (!labelled) {
      record[header] = cell;
      continue;
    }
    const id = labelled[1] as string;
    const coded = typeof cell === "string" ? LABELLED.exec(cell) : null;
    if (coded) {
      record[id] = coded[1];
      labels[id] = coded[2];
    } else record[id] = cell;
  }
  record.labels = labels;
  return record;
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
