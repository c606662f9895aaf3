/**
 * Frontend: turns an HTTP request into typed tracker input. Reads the raw query string (Hono's
 * `c.req.query()` decodes as UTF-8 and corrupts binary `info_hash`/`peer_id`), and finds the
 * client's address from the socket, or from proxy headers only when the proxy is trusted.
 * @module
 */
import { isIP } from 'node:net';
import type { Context } from 'hono';

/** An announce `event`; an empty or absent event (a regular update) is `undefined`. */
export type AnnounceEvent = 'started' | 'stopped' | 'completed';

/** A refused request, with a reason the user can act on (sent as `failure reason`). */
export interface TrackerFailure {
  readonly failure: string;
}

/** A validated announce query. */
export interface AnnounceQuery {
  infohash: Buffer;
  peerId: Buffer;
  port: number;
  uploaded: number;
  downloaded: number;
  left: number;
  event: AnnounceEvent | undefined;
  /** Peers asked for; undefined when absent or negative (some clients send -1 for "default"). */
  numwant: number | undefined;
  /** BEP 23 compact peer list (the default) rather than the dictionary model. */
  compact: boolean;
  /** Leave `peer id` out of the dictionary model. */
  noPeerId: boolean;
  /** The client's `key` (identifies it across IP changes); not used by this tracker yet. */
  key: string | undefined;
}

/** A validated scrape query: distinct 20-byte info hashes, in request order. */
export interface ScrapeQuery {
  infohashes: Buffer[];
}

/** Bindings the routes read: `incoming` from @hono/node-server, or `remoteAddress` injected by tests. */
export interface TrackerBindings {
  incoming?: Incoming;
  remoteAddress?: string;
}

/** The parts of Node's `IncomingMessage` the BitTorrent routes read. */
export interface Incoming {
  url?: string;
  socket: { remoteAddress?: string | undefined };
  headers: Record<string, string | string[] | undefined>;
}

/** The Hono environment of the tracker routes. */
export interface TrackerEnv {
  Bindings: TrackerBindings;
}

/** Longest query string accepted; real announces are about 300 bytes. */
export const MAX_QUERY_LENGTH = 4096;

const HASH_LENGTH = 20;

/** True when `value` is a refusal rather than a parsed query. */
export function isFailure(value: object): value is TrackerFailure {
  return 'failure' in value;
}

/**
 * The raw query string of the request. From the Node request line when served (nothing
 * normalised), else from the URL (tests through `app.request()`).
 */
export function rawQuery(c: Context<TrackerEnv>): string {
  return queryOf(c.env?.incoming?.url ?? c.req.url);
}

/** The query string of a request target (`/path?query#fragment`), not decoded. */
export function queryOf(target: string): string {
  const start = target.indexOf('?');
  if (start === -1) return '';
  const hash = target.indexOf('#', start);
  return target.slice(start + 1, hash === -1 ? target.length : hash);
}

/** Parse an announce query (BEP 3, BEP 23); `ip` and `ipv6` are ignored, see below. */
export function parseAnnounceQuery(query: string): AnnounceQuery | TrackerFailure {
  if (query.length > MAX_QUERY_LENGTH) return tooLong(query);
  let infohash: Buffer | TrackerFailure | undefined;
  let peerId: Buffer | TrackerFailure | undefined;
  let port = -1;
  let uploaded = -1;
  let downloaded = -1;
  let left = -1;
  let numwant = -1;
  let compact = -1;
  let noPeerId = -1;
  let event: string | undefined;
  let key: string | undefined;

  const n = query.length;
  let pos = 0;
  while (pos < n) {
    let amp = query.indexOf('&', pos);
    if (amp === -1) amp = n;
    let eq = pos;
    while (eq < amp && query.charCodeAt(eq) !== 0x3d) eq++;
    const name = query.slice(pos, eq);
    const vs = eq < amp ? eq + 1 : amp;
    // First occurrence wins, as in most query parsers.
    switch (name) {
      case 'info_hash':
        infohash ??= fixedBytes(query, vs, amp, 'info_hash');
        break;
      case 'peer_id':
        peerId ??= fixedBytes(query, vs, amp, 'peer_id');
        break;
      case 'port':
        if (port === -1) port = parseUint(query, vs, amp);
        break;
      case 'uploaded':
        if (uploaded === -1) uploaded = parseUint(query, vs, amp);
        break;
      case 'downloaded':
        if (downloaded === -1) downloaded = parseUint(query, vs, amp);
        break;
      case 'left':
        if (left === -1) left = parseUint(query, vs, amp);
        break;
      case 'numwant':
        if (numwant === -1) numwant = query.charCodeAt(vs) === 0x2d ? -3 : parseUint(query, vs, amp);
        break;
      case 'compact':
        if (compact === -1) compact = parseUint(query, vs, amp);
        break;
      case 'no_peer_id':
        if (noPeerId === -1) noPeerId = parseUint(query, vs, amp);
        break;
      case 'event':
        event ??= decodeText(query, vs, amp) ?? '\0';
        break;
      case 'key':
        key ??= decodeText(query, vs, amp);
        break;
      // `ip` and `ipv6` are ignored on purpose: honouring a client-supplied address would let
      // anyone list a third party as a peer and aim the swarm's connections at it.
    }
    pos = amp + 1;
  }

  if (infohash === undefined) return { failure: 'missing info_hash' };
  if (isFailure(infohash)) return infohash;
  if (peerId === undefined) return { failure: 'missing peer_id' };
  if (isFailure(peerId)) return peerId;
  if (port === -1) return { failure: 'missing port' };
  if (port < 1 || port > 65535) return { failure: 'invalid port: expected an integer from 1 to 65535' };
  if (left === -1) return { failure: 'missing left: the number of bytes still to download' };
  if (left < 0) return invalidUint('left');
  if (uploaded < -1) return invalidUint('uploaded');
  if (downloaded < -1) return invalidUint('downloaded');
  if (numwant < -1 && numwant !== -3) return invalidUint('numwant');
  if (compact < -1) return invalidUint('compact');
  if (noPeerId < -1) return invalidUint('no_peer_id');

  let announceEvent: AnnounceEvent | undefined;
  switch (event) {
    case 'started':
    case 'stopped':
    case 'completed':
      announceEvent = event;
      break;
    // BEP 3 spells the regular update "empty"; BEP 21's "paused" is a regular update for us.
    case undefined:
    case '':
    case 'empty':
    case 'paused':
      break;
    default:
      return { failure: 'invalid event: expected started, stopped, completed or empty' };
  }

  return {
    infohash,
    peerId,
    port,
    uploaded: Math.max(uploaded, 0),
    downloaded: Math.max(downloaded, 0),
    left,
    event: announceEvent,
    numwant: numwant < 0 ? undefined : numwant,
    compact: compact !== 0,
    noPeerId: noPeerId > 0,
    key,
  };
}

/** Parse a scrape query (BEP 48): one or more `info_hash`, duplicates collapsed. */
export function parseScrapeQuery(query: string): ScrapeQuery | TrackerFailure {
  if (query.length > MAX_QUERY_LENGTH) return tooLong(query);
  const infohashes: Buffer[] = [];
  const seen = new Set<string>();
  const n = query.length;
  let pos = 0;
  while (pos < n) {
    let amp = query.indexOf('&', pos);
    if (amp === -1) amp = n;
    if (query.startsWith('info_hash=', pos)) {
      const hash = fixedBytes(query, pos + 10, amp, 'info_hash');
      if (isFailure(hash)) return hash;
      const id = hash.toString('latin1');
      if (!seen.has(id)) {
        seen.add(id);
        infohashes.push(hash);
      }
    }
    pos = amp + 1;
  }
  if (infohashes.length === 0) {
    return { failure: 'missing info_hash: scrape needs at least one (full scrape is not offered)' };
  }
  return { infohashes };
}

/**
 * The client's address: the socket peer, or, when that peer is a trusted proxy, the client it
 * names in `X-Forwarded-For` (else `X-Real-IP`). IPv4-mapped IPv6 is returned as IPv4.
 * Undefined when no address is known (a test that injected none).
 */
export function clientAddress(c: Context<TrackerEnv>, trust: ProxyTrust): string | undefined {
  return incomingAddress(incomingOf(c), trust);
}

/**
 * The request as Node shows it: the served `IncomingMessage`, or one rebuilt from the Fetch
 * request and the injected `remoteAddress` for `app.request()` tests.
 */
export function incomingOf(c: Context<TrackerEnv>): Incoming {
  const incoming = c.env?.incoming;
  if (incoming !== undefined) return incoming;
  return {
    url: c.req.url,
    socket: { remoteAddress: c.env?.remoteAddress },
    headers: Object.fromEntries(c.req.raw.headers),
  };
}

/** The client's address from the socket, or from proxy headers when the socket peer is trusted. */
export function incomingAddress(incoming: Incoming, trust: ProxyTrust): string | undefined {
  const raw = incoming.socket.remoteAddress;
  if (raw === undefined) return undefined;
  const socket = normalizeAddress(raw);
  if (socket === undefined || !trust.trusts(socket)) return socket;

  const forwarded = header(incoming, 'x-forwarded-for');
  if (forwarded !== undefined) {
    const hops = forwarded.split(',');
    // Walk from the nearest hop back; the first address not a trusted proxy is the client.
    // Each trusted hop vouches only for the one before it, so garbage stops the walk there.
    let vouched = socket;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeAddress(hops[i]!.trim());
      if (hop === undefined) return vouched;
      if (i === 0 || !trust.trusts(hop)) return hop;
      vouched = hop;
    }
  }
  const real = header(incoming, 'x-real-ip');
  if (real !== undefined) return normalizeAddress(real.trim()) ?? socket;
  return socket;
}

/** Which socket peers may speak for a client through proxy headers. */
export interface ProxyTrust {
  trusts(address: string): boolean;
}

/** The trust policy of `TrackerConfig.trustProxy`. */
export function proxyTrust(setting: boolean | readonly string[]): ProxyTrust {
  if (typeof setting === 'boolean') return { trusts: () => setting };
  const proxies = new Set<string>();
  for (const entry of setting) {
    const address = normalizeAddress(entry);
    if (address === undefined) throw new Error(`invalid tracker config: trustProxy entry is not an IP address: ${entry}`);
    proxies.add(address);
  }
  return { trusts: (address) => proxies.has(address) };
}

/** A valid IP address without zone, IPv4-mapped IPv6 unwrapped to IPv4; undefined if invalid. */
export function normalizeAddress(address: string): string | undefined {
  const kind = isIP(address);
  if (kind === 4) return address;
  if (kind !== 6) return undefined;
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  if (bare.length > 7 && bare.charCodeAt(6) === 0x3a && /^::ffff:/i.test(bare)) {
    const v4 = bare.slice(7);
    if (isIP(v4) === 4) return v4;
  }
  return bare;
}

function header(incoming: Incoming, name: string): string | undefined {
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function tooLong(query: string): TrackerFailure {
  return { failure: `query string too long: ${query.length} bytes, at most ${MAX_QUERY_LENGTH}` };
}

function invalidUint(name: string): TrackerFailure {
  return { failure: `invalid ${name}: expected a non-negative integer` };
}

/** Percent-decode `query[start, end)` into exactly 20 bytes, or explain why not. */
function fixedBytes(query: string, start: number, end: number, name: string): Buffer | TrackerFailure {
  const length = decodedLength(query, start, end);
  if (length === -1) return { failure: `invalid ${name}: malformed percent-encoding` };
  if (length !== HASH_LENGTH) {
    return { failure: `invalid ${name}: expected ${HASH_LENGTH} bytes, got ${length}` };
  }
  const out = Buffer.allocUnsafe(HASH_LENGTH);
  decodeInto(query, start, end, out);
  return out;
}

function decodeText(query: string, start: number, end: number): string | undefined {
  const length = decodedLength(query, start, end);
  if (length === -1) return undefined;
  const out = Buffer.allocUnsafe(length);
  decodeInto(query, start, end, out);
  return out.toString('latin1');
}

/** Bytes `query[start, end)` decodes to; -1 on a bad escape or a char that is not one byte. */
function decodedLength(query: string, start: number, end: number): number {
  let length = 0;
  for (let i = start; i < end; i++) {
    const ch = query.charCodeAt(i);
    if (ch === 0x25) {
      if (i + 2 >= end || hexValue(query.charCodeAt(i + 1)) < 0 || hexValue(query.charCodeAt(i + 2)) < 0) return -1;
      i += 2;
    } else if (ch > 0xff) {
      return -1;
    }
    length++;
  }
  return length;
}

/** Decode a range already checked by {@link decodedLength}; `+` is a space (form encoding). */
function decodeInto(query: string, start: number, end: number, out: Buffer): void {
  let o = 0;
  for (let i = start; i < end; i++) {
    const ch = query.charCodeAt(i);
    if (ch === 0x25) {
      out[o++] = (hexValue(query.charCodeAt(i + 1)) << 4) | hexValue(query.charCodeAt(i + 2));
      i += 2;
    } else {
      out[o++] = ch === 0x2b ? 0x20 : ch;
    }
  }
}

function hexValue(ch: number): number {
  if (ch >= 0x30 && ch <= 0x39) return ch - 0x30;
  const lower = ch | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** A non-negative safe integer from ASCII digits (escaped digits allowed); -2 if invalid. */
function parseUint(query: string, start: number, end: number): number {
  if (start >= end) return -2;
  let value = 0;
  for (let i = start; i < end; i++) {
    let ch = query.charCodeAt(i);
    if (ch === 0x25 && i + 2 < end && query.charCodeAt(i + 1) === 0x33) {
      ch = 0x30 + hexValue(query.charCodeAt(i + 2));
      i += 2;
    }
    const digit = ch - 0x30;
    if (digit < 0 || digit > 9) return -2;
    value = value * 10 + digit;
    if (value > Number.MAX_SAFE_INTEGER) return -2;
  }
  return value;
}
