/**
 * @module JSON-stat datasets as records: one record per cell of the cube, with each dimension's
 * category code as a field named after the dimension, the category labels under `labels`, the
 * cell's `value` and its `status` (the status label, when the dataset has one, under
 * `labels.status`). Reads JSON-stat 2.0 datasets and collections (`class: dataset` /
 * `collection`) and 1.x responses (an object of named datasets, whose name becomes the `dataset`
 * field). Values may be a dense array or a sparse object keyed by the flat row-major index; a cell
 * with neither value nor status is no observation and yields nothing.
 *
 * @example
 * [...jsonStatRecords(eurostatBody)][0];
 * // { freq: "M", geo: "DE", time: "2024-01", value: 3.2,
 * //   labels: { freq: "Monthly", geo: "Germany", time: "2024-01" } }
 */

interface Dimension {
  id: string;
  codes: string[];
  labels: (string | undefined)[];
}

type Cells = (index: number) => unknown;

type Json = Record<string, unknown>;

export function* jsonStatRecords(item: unknown): Iterable<Json> {
  if (!isObject(item)) throw new Error(`shape jsonstat needs a JSON-stat object, got ${describe(item)}`);
  if (item.class === "collection") {
    const link = isObject(item.link) ? item.link : {};
    const items = Array.isArray(link.item) ? link.item : [];
    for (const dataset of items) if (isObject(dataset) && isDataset(dataset)) yield* datasetRecords(dataset);
    return;
  }
  if (isDataset(item)) {
    yield* datasetRecords(item);
    return;
  }
  // JSON-stat 1.x: a bundle of datasets by name.
  let found = false;
  for (const [name, dataset] of Object.entries(item)) {
    if (!isObject(dataset) || !isDataset(dataset)) continue;
    found = true;
    yield* datasetRecords(dataset, name);
  }
  if (!found) {
    throw new Error("shape jsonstat found no dataset: expected an object with dimension and value members");
  }
}

function isDataset(item: Json): boolean {
  return isObject(item.dimension) && item.value !== undefined;
}

function* datasetRecords(dataset: Json, name?: string): Iterable<Json> {
  const dimensionMap = dataset.dimension as Json;
  // 2.0 puts id and size on the dataset; 1.x inside `dimension`.
  const ids = (dataset.id ?? dimensionMap.id) as unknown;
  const sizes = (dataset.size ?? dimensionMap.size) as unknown;
  if (!Array.isArray(ids) || !Array.isArray(sizes) || ids.length !== sizes.length) {
    throw new Error("JSON-stat dataset needs id and size lists of the same length");
  }
  const dimensions = ids.map((id, position) =>
    readDimension(String(id), dimensionMap[String(id)], sizes[position]),
  );
  const value = cells(dataset.value);
  const status = statusCells(dataset.status);
  const statusLabels = readStatusLabels(dataset);
  const total = dimensions.reduce((product, dimension) => product * dimension.codes.length, 1);

  for (const index of cellIndexes(dataset.value, dataset.status, total)) {
    const cell = value(index);
    const flag = status(index);
    if (cell === undefined && flag === undefined) continue;
    const record: Json = {};
    const labels: Json = {};
    if (name !== undefined) record.dataset = name;
    // Row-major: the last dimension moves fastest.
    let rest = index;
    for (let d = dimensions.length - 1; d >= 0; d--) {
      const dimension = dimensions[d] as Dimension;
      const size = dimension.codes.length;
      const at = rest % size;
      rest = (rest - at) / size;
      record[dimension.id] = dimension.codes[at];
      const label = dimension.labels[at];
      if (label !== undefined) labels[dimension.id] = label;
    }
    record.value = cell ?? null;
    if (flag !== undefined) {
      record.status = flag;
      const label = typeof flag === "string" ? statusLabels?.[flag] : undefined;
      if (label !== undefined) labels.status = label;
    }
    record.labels = labels;
    yield record;
  }
}

/**
 * The cells worth visiting, in order: all of them when values are a dense list, otherwise only
 * those a sparse value or status object names (a sparse cube may be mostly empty).
 */
function cellIndexes(value: unknown, status: unknown, total: number): Iterable<number> {
  if (Array.isArray(value) || Array.isArray(status) || typeof status === "string") return range(total);
  const indexes = new Set<number>();
  for (const sparse of [value, status]) {
    if (!isObject(sparse)) continue;
    for (const key of Object.keys(sparse)) {
      const index = Number(key);
      if (Number.isInteger(index) && index >= 0 && index < total) indexes.add(index);
    }
  }
  return [...indexes].sort((a, b) => a - b);
}

function* range(total: number): Iterable<number> {
  for (let index = 0; index < total; index++) yield index;
}

function readDimension(id: string, raw: unknown, size: unknown): Dimension {
  const category = isObject(raw) && isObject(raw.category) ? raw.category : undefined;
  if (!category) throw new Error(`JSON-stat dimension "${id}" has no category`);
  const labelMap = isObject(category.label) ? category.label : {};
  let codes: string[];
  if (Array.isArray(category.index)) codes = category.index.map(String);
  else if (isObject(category.index)) {
    codes = [];
    for (const [code, position] of Object.entries(category.index)) codes[Number(position)] = code;
  } else codes = Object.keys(labelMap); // a single-category dimension may omit its index
  if (codes.length !== Number(size)) {
    throw new Error(`JSON-stat dimension "${id}" has ${codes.length} categories but size ${String(size)}`);
  }
  const labels = codes.map((code) => {
    const label = labelMap[code];
    return typeof label === "string" ? label : undefined;
  });
  return { id, codes, labels };
}

function cells(value: unknown): Cells {
  if (Array.isArray(value)) return (index) => value[index];
  if (isObject(value)) return (index) => value[index];
  return () => undefined;
}

/** A status is one string for every cell, a list, or a sparse object like `value`. */
function statusCells(status: unknown): Cells {
  if (typeof status === "string") return () => status;
  const read = cells(status);
  return (index) => read(index) ?? undefined;
}

/** Eurostat names its status codes in `extension.status.label`. */
function readStatusLabels(dataset: Json): Record<string, string> | undefined {
  const extension = isObject(dataset.extension) ? dataset.extension : undefined;
  const status = extension && isObject(extension.status) ? extension.status : undefined;
  return status && isObject(status.label) ? (status.label as Record<string, string>) : undefined;
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
