/**
 * Bencoded tracker responses. A small encoder of our own: the `bencode` package writes dict keys
 * as UTF-8, which would corrupt the raw 20-byte info hashes that key a scrape's `files`.
 * @module
 */

/**
 * A bencodable value. Dict keys are byte strings, one char per byte (ASCII names, or an
 * info hash as a latin1 string); string values are UTF-8; undefined dict values are left out.
 */
export type BencodeValue =
  | number
  | string
  | Uint8Array
  | readonly BencodeValue[]
  | { readonly [key: string]: BencodeValue | undefined };

// Shared and never mutated: @hono/node-server then writes the response without building Headers.
const HEADERS = { 'Content-Type': 'text/plain' } as const;

/** HTTP 200 `text/plain` response carrying the bencoded `dict`. */
export function bencodedResponse(dict: { readonly [key: string]: BencodeValue | undefined }): Response {
  return textResponse(encode(dict));
}

/** HTTP 200 `text/plain` response carrying an already bencoded body. */
export function textResponse(body: Buffer): Response {
  return new Response(body, { status: 200, headers: HEADERS });
}

/**
 * A BitTorrent `failure reason` response. It is HTTP 200 on purpose: clients read the reason
 * from the body only when the status is 200, and treat any other status as an unreachable
 * tracker (no message shown, retried sooner).
 */
export function failure(reason: string): Response {
  return bencodedResponse({ 'failure reason': reason });
}

/** Bencode `value` into one exactly sized buffer. */
export function encode(value: BencodeValue): Buffer {
  const out = Buffer.allocUnsafe(sizeOf(value));
  const end = write(out, 0, value);
  if (end !== out.length) throw new Error('bencode: size mismatch');
  return out;
}

function sizeOf(value: BencodeValue): number {
  if (typeof value === 'number') return intString(value).length + 2;
  if (typeof value === 'string') return lengthPrefixed(Buffer.byteLength(value));
  if (value instanceof Uint8Array) return lengthPrefixed(value.length);
  if (isList(value)) {
    let size = 2;
    for (const item of value) size += sizeOf(item);
    return size;
  }
  let size = 2;
  for (const key in value) {
    const item = value[key];
    if (item !== undefined) size += lengthPrefixed(key.length) + sizeOf(item);
  }
  return size;
}

function write(out: Buffer, at: number, value: BencodeValue): number {
  if (typeof value === 'number') {
    out[at++] = 0x69; // i
    at += out.write(intString(value), at, 'latin1');
    out[at++] = 0x65; // e
    return at;
  }
  if (typeof value === 'string') {
    at += out.write(`${Buffer.byteLength(value)}:`, at, 'latin1');
    return at + out.write(value, at, 'utf8');
  }
  if (value instanceof Uint8Array) {
    at += out.write(`${value.length}:`, at, 'latin1');
    out.set(value, at);
    return at + value.length;
  }
  if (isList(value)) {
    out[at++] = 0x6c; // l
    for (const item of value) at = write(out, at, item);
    out[at++] = 0x65;
    return at;
  }
  out[at++] = 0x64; // d
  // Bencode wants keys in raw byte order; for one-byte chars that is JS string order.
  const keys = Object.keys(value).sort(byteOrder);
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue;
    at += out.write(`${key.length}:`, at, 'latin1');
    at += out.write(key, at, 'latin1');
    at = write(out, at, item);
  }
  out[at++] = 0x65;
  return at;
}

function isList(value: BencodeValue): value is readonly BencodeValue[] {
  return Array.isArray(value);
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lengthPrefixed(length: number): number {
  return decimalDigits(length) + 1 + length;
}

function decimalDigits(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

function intString(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`bencode: not a safe integer: ${n}`);
  return String(n);
}
