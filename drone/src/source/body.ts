/**
 * @module Reading a response body as it arrives: undoing gzip when the body itself is a gzip file
 * (fetch has already undone `Content-Encoding`), counting the bytes against the run's budget
 * (after decompression, so a small compressed bomb cannot get past it), fingerprinting the page to
 * spot a server that serves the same page again, and decoding the text.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

export interface MeteredBody {
  chunks: AsyncIterable<Uint8Array>;
  /** Bytes read so far. */
  bytes(): number;
  /** Hash of the bytes read; complete once `chunks` is exhausted. */
  fingerprint(): string;
}

/**
 * `spend` is told of every chunk before it is passed on, and throws to stop reading (the byte
 * limit); the error reaches whoever consumes the chunks.
 */
export function meterBody(
  body: ReadableStream<Uint8Array> | null,
  spend: (bytes: number) => void,
): MeteredBody {
  const hash = createHash("sha1");
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    if (!body) return;
    for await (const chunk of gunzipIfNeeded(body)) {
      bytes += chunk.byteLength;
      spend(chunk.byteLength);
      hash.update(chunk);
      yield chunk;
    }
  }
  let digest: string | undefined;
  return {
    chunks: counted(),
    bytes: () => bytes,
    fingerprint: () => {
      digest ??= hash.digest("hex");
      return digest;
    },
  };
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

async function* gunzipIfNeeded(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = first.value;
  async function* all(): AsyncGenerator<Uint8Array> {
    yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  // No text format starts with these bytes, so sniffing cannot mistake a body for gzip.
  if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) {
    yield* all();
    return;
  }
  const source = Readable.from(all());
  const gunzip = createGunzip();
  source.on("error", (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

/** Decodes chunks of text; a multi-byte character split between chunks is kept whole. */
export async function* decodeText(
  chunks: AsyncIterable<Uint8Array>,
  encoding: string,
): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

export async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * The body's text encoding: the profile's when it names one (servers often omit or misstate it),
 * else the `charset` of the Content-Type, else the XML declaration's, else UTF-8.
 */
export function encodingOf(
  profileEncoding: string | undefined,
  contentType: string | null,
  head?: Uint8Array,
): string {
  if (profileEncoding) return profileEncoding;
  const charset = /charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? "")?.[1];
  if (charset && isEncoding(charset)) return charset;
  if (head) {
    const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/.exec(
      Buffer.from(head.subarray(0, 200)).toString("latin1"),
    )?.[1];
    if (declared && isEncoding(declared)) return declared;
  }
  return "utf-8";
}

function isEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}
