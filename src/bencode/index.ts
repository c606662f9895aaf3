/**
 * Bencode (BEP 3), the one codec of the project: the tracker's responses, the BEP 10 wire
 * extension, .torrent files. Our own, because the `bencode` package writes dict keys as UTF-8,
 * which would corrupt the raw 20-byte info hashes that key a scrape's `files`, and because a
 * decoder of peer input must be strict and bounded.
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

/** A decoded value: byte strings stay bytes (they are often binary); dict keys are latin1 strings. */
export type Decoded = number | Uint8Array | Decoded[] | { [key: string]: Decoded };

/** Limits of `decode`: input from a peer must not cost unbounded memory or stack. */
export interface DecodeLimits {
  /** Most nested lists and dicts (default 32). */
  maxDepth?: number;
  /** Most items in the whole value (default 100,000). */
  maxItems?: number;
}

/** Why `decode` refused its input, with the offset where it stopped. */
export class BencodeError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`bencode: ${message} at byte ${offset}`);
    this.name = 'BencodeError';
  }
}

/**
 * Decodes exactly one value filling all of `bytes`. Strict: integers without leading zeros or
 * `-0` and within the safe range, string lengths within the input, no duplicate dict keys, no
 * trailing bytes; throws `BencodeError` otherwise. Dict keys in any order are accepted (some
 * torrent makers do not sort them).
 */
export function decode(bytes: Uint8Array, limits: DecodeLimits = {}): Decoded {
  const state = { at: 0, items: 0, maxDepth: limits.maxDepth ?? 32, maxItems: limits.maxItems ?? 100_000 };
  const value = read(bytes, state, 0);
  if (state.at !== bytes.length) throw new BencodeError('trailing bytes', state.at);
  return value;
}

/**
 * The raw bytes of the value under `key` of the top-level dict in `bytes` (a .torrent's `info`,
 * whose SHA-1 is the info hash), or undefined. `bytes` must decode (see `decode`).
 */
export function rawValue(bytes: Uint8Array, key: string, limits: DecodeLimits = {}): Uint8Array | undefined {
  decode(bytes, limits);
  const state = { at: 1, items: 0, maxDepth: limits.maxDepth ?? 32, maxItems: limits.maxItems ?? 100_000 };
  if (bytes[0] !== D) return undefined;
  while (bytes[state.at] !== E) {
    const name = Buffer.from(readString(bytes, state)).toString('latin1');
    const start = state.at;
    read(bytes, state, 1);
    if (name === key) return new Uint8Array(bytes.buffer, bytes.byteOffset + start, state.at - start);
  }
  return undefined;
}

const I = 0x69;
const L = 0x6c;
const D = 0x64;
const E = 0x65;
const COLON = 0x3a;

interface State {
  at: number;
  items: number;
  maxDepth: number;
  maxItems: number;
}

function read(bytes: Uint8Array, state: State, depth: number): Decoded {
  if (++state.items > state.maxItems) throw new BencodeError('too many items', state.at);
  const byte = bytes[state.at];
  if (byte === undefined) throw new BencodeError('unexpected end', state.at);
  if (byte === I) {
    state.at++;
    const value = readNumber(bytes, state, E, true);
    state.at++;
    return value;
  }
  if (byte === L || byte === D) {
    if (depth >= state.maxDepth) throw new BencodeError('nested too deeply', state.at);
    state.at++;
    if (byte === L) {
      const list: Decoded[] = [];
      while (bytes[state.at] !== E) {
        if (state.at >= bytes.length) throw new BencodeError('unterminated list', state.at);
        list.push(read(bytes, state, depth + 1));
      }
      state.at++;
      return list;
    }
    // A null prototype: a key named __proto__ from a peer is just a key.
    const dict = Object.create(null) as { [key: string]: Decoded };
    while (bytes[state.at] !== E) {
      if (state.at >= bytes.length) throw new BencodeError('unterminated dict', state.at);
      const keyAt = state.at;
      const key = Buffer.from(readString(bytes, state)).toString('latin1');
      if (Object.hasOwn(dict, key)) throw new BencodeError(`duplicate key "${key}"`, keyAt);
      dict[key] = read(bytes, state, depth + 1);
    }
    state.at++;
    return dict;
  }
  return readString(bytes, state);
}

function readString(bytes: Uint8Array, state: State): Uint8Array {
  const length = readNumber(bytes, state, COLON, false);
  const start = state.at + 1;
  if (start + length > bytes.length) throw new BencodeError('string longer than the input', state.at);
  state.at = start + length;
  // A plain view, whatever `bytes` is (a Buffer's subarray would be a Buffer).
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, length);
}

/** Reads decimal digits up to `end` (left at `end`); a sign only where `signed`. */
function readNumber(bytes: Uint8Array, state: State, end: number, signed: boolean): number {
  const start = state.at;
  let at = start;
  const negative = signed && bytes[at] === 0x2d;
  if (negative) at++;
  const digitsAt = at;
  while (at < bytes.length && bytes[at]! >= 0x30 && bytes[at]! <= 0x39) at++;
  if (at === digitsAt) throw new BencodeError('expected digits', at);
  if (bytes[at] !== end) throw new BencodeError(at >= bytes.length ? 'unexpected end' : 'unexpected byte', at);
  if (at - digitsAt > 1 && bytes[digitsAt] === 0x30) throw new BencodeError('leading zero', digitsAt);
  if (negative && at - digitsAt === 1 && bytes[digitsAt] === 0x30) throw new BencodeError('negative zero', start);
  if (at - digitsAt > 16) throw new BencodeError('number too large', start);
  const value = Number(Buffer.from(bytes.subarray(digitsAt, at)).toString('latin1'));
  if (!Number.isSafeInteger(value)) throw new BencodeError('number too large', start);
  state.at = at;
  return negative ? -value : value;
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
