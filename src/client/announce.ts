/**
 * The client side of an announce (BEP 3): the raw query string, with the binary `info_hash` and
 * `peer_id` escaped byte by byte (a URL encoder would mangle bytes that are not UTF-8), and the
 * bencoded answer, compact peers (BEP 23, BEP 7 `peers6`) or the dictionary model.
 * @module
 */
import { type Decoded, decode } from '../bencode/index.ts';
import { AnnounceFailure } from './errors.ts';

/** The parameters of one announce. */
export interface AnnounceParams {
  /** The passkey of the user's announce URL; omitted for an open tracker's plain `/announce`. */
  passkey?: string;
  /** 20 bytes. */
  infohash: Uint8Array;
  /** 20 bytes. */
  peerId: Uint8Array;
  port: number;
  uploaded: number;
  downloaded: number;
  left: number;
  /** Omitted for a regular update. */
  event?: 'started' | 'stopped' | 'completed';
  /** Peers wanted; the tracker's default when omitted. */
  numwant?: number;
  /** Ask for compact peer lists (the default) rather than the dictionary model. */
  compact?: boolean;
}

/** A peer from an announce answer. */
export interface AnnouncePeer {
  ip: string;
  port: number;
  /** Only in the dictionary model. */
  peerId?: Uint8Array;
}

/** A successful announce answer. */
export interface AnnounceAnswer {
  /** Seconds to wait before the next regular announce. */
  interval: number;
  /** Seconds to wait at least, when the tracker says. */
  minInterval?: number;
  /** Seeders in the swarm. */
  complete: number;
  /** Leechers in the swarm. */
  incomplete: number;
  /** IPv4 peers first, then IPv6 (`peers6`). */
  peers: AnnouncePeer[];
}

/** Every byte as `%xx`: valid for any binary value, as BEP 3 clients send `info_hash` and `peer_id`. */
export function percentEncode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += `%${byte.toString(16).padStart(2, '0')}`;
  return out;
}

/** The request target of an announce: `/announce/<passkey>?...` (or `/announce?...` without a passkey). */
export function announceTarget(params: AnnounceParams): string {
  for (const field of ['infohash', 'peerId'] as const) {
    if (params[field].length !== 20) throw new RangeError(`${field} must be 20 bytes, got ${params[field].length}`);
  }
  const route = params.passkey === undefined ? '/announce' : `/announce/${encodeURIComponent(params.passkey)}`;
  let query =
    `info_hash=${percentEncode(params.infohash)}&peer_id=${percentEncode(params.peerId)}&port=${params.port}` +
    `&uploaded=${params.uploaded}&downloaded=${params.downloaded}&left=${params.left}&compact=${params.compact === false ? 0 : 1}`;
  if (params.event !== undefined) query += `&event=${params.event}`;
  if (params.numwant !== undefined) query += `&numwant=${params.numwant}`;
  return `${route}?${query}`;
}

/** Decodes a bencoded announce answer; throws {@link AnnounceFailure} with the tracker's `failure reason`. */
export function parseAnnounceAnswer(body: Uint8Array): AnnounceAnswer {
  const answer = decode(body);
  if (!isDict(answer)) throw malformed('not a dictionary');
  const failure = answer['failure reason'];
  if (failure !== undefined) throw new AnnounceFailure(text(failure, 'failure reason'));
  const minInterval = answer['min interval'];
  return {
    interval: integer(answer.interval, 'interval'),
    minInterval: minInterval === undefined ? undefined : integer(minInterval, 'min interval'),
    complete: integer(answer.complete, 'complete'),
    incomplete: integer(answer.incomplete, 'incomplete'),
    peers: [...peerList(answer.peers), ...(answer.peers6 === undefined ? [] : compactPeers(answer.peers6, 18, 'peers6'))],
  };
}

function peerList(peers: Decoded | undefined): AnnouncePeer[] {
  if (peers instanceof Uint8Array) return compactPeers(peers, 6, 'peers');
  if (!Array.isArray(peers)) throw malformed('peers is neither a compact string nor a list');
  return peers.map((peer) => {
    if (!isDict(peer)) throw malformed('a peer is not a dictionary');
    const peerId = peer['peer id'];
    if (peerId !== undefined && !(peerId instanceof Uint8Array)) throw malformed('peer id is not a string');
    return { ip: text(peer.ip, 'ip'), port: integer(peer.port, 'port'), ...(peerId ? { peerId } : {}) };
  });
}

/** Compact peers: 4 (IPv4) or 16 (IPv6) address bytes and a big-endian port each. */
function compactPeers(value: Decoded, size: 6 | 18, field: string): AnnouncePeer[] {
  if (!(value instanceof Uint8Array) || value.length % size !== 0) throw malformed(`${field} is not a multiple of ${size} bytes`);
  const peers: AnnouncePeer[] = [];
  for (let at = 0; at < value.length; at += size) {
    const address = value.subarray(at, at + size - 2);
    const port = (value[at + size - 2]! << 8) | value[at + size - 1]!;
    peers.push({ ip: size === 6 ? address.join('.') : ipv6Text(address), port });
  }
  return peers;
}

function ipv6Text(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // The WHATWG URL parser writes IPv6 in the canonical short form (RFC 5952).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function isDict(value: Decoded | undefined): value is { [key: string]: Decoded } {
  return typeof value === 'object' && !(value instanceof Uint8Array) && !Array.isArray(value);
}

function integer(value: Decoded | undefined, field: string): number {
  if (typeof value !== 'number') throw malformed(`${field} is missing or not an integer`);
  return value;
}

function text(value: Decoded | undefined, field: string): string {
  if (!(value instanceof Uint8Array)) throw malformed(`${field} is missing or not a string`);
  return Buffer.from(value).toString('utf8');
}

function malformed(why: string): Error {
  return new Error(`malformed announce answer: ${why}`);
}
