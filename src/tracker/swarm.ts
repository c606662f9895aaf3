/**
 * Swarm storage: which peers are in which torrent, peer selection and eviction. In memory,
 * bounded, and O(numwant) per announce.
 * @module
 */
import type { AnnounceEvent } from './query.ts';

/** The bounds a {@link Swarms} enforces (a subset of `TrackerConfig`). */
export interface SwarmLimits {
  peerTtlSeconds: number;
  maxTorrents: number;
  maxPeersPerTorrent: number;
}

/** One announce as the swarm sees it; `ip` is a valid address (IPv4-mapped IPv6 already unwrapped). */
export interface SwarmAnnounce {
  infohash: Uint8Array;
  peerId: Uint8Array;
  ip: string;
  port: number;
  left: number;
  event: AnnounceEvent | undefined;
  numwant: number;
  /** Unix time in seconds. */
  now: number;
}

/** A peer as handed out in announce responses. */
export interface SwarmPeer {
  readonly peerId: Uint8Array;
  readonly ip: string;
  readonly port: number;
  /** BEP 23 / BEP 7 compact form, one char per byte: 4 or 16 address bytes, port big-endian. */
  readonly compact: string;
}

/** Counts of one torrent (scrape fields). */
export interface SwarmCounts {
  /** Seeders (peers with `left` = 0). */
  complete: number;
  /** Leechers. */
  incomplete: number;
  /** Peers that announced `completed` (each once) since the torrent was first seen. */
  downloaded: number;
}

/** Result of an announce: peers chosen for the requester (never itself) and whole-swarm counts. */
export interface SwarmAnnounceResult extends SwarmCounts {
  /** IPv4 peers. */
  peers: SwarmPeer[];
  /** IPv6 peers (BEP 7). */
  peers6: SwarmPeer[];
}

/** Totals over every swarm. */
export interface SwarmStats {
  torrents: number;
  peers: number;
  seeders: number;
  leechers: number;
}

class Peer implements SwarmPeer {
  /** Index in its pool, kept up to date by every swap. */
  index = -1;
  completed = false;

  constructor(
    /** Binary peer id (20 chars) followed by the IP: dual-stack clients announce once per family. */
    readonly key: string,
    readonly ip: string,
    public port: number,
    public compact: string,
    readonly v6: boolean,
    public seeder: boolean,
    public lastSeen: number,
  ) {}

  get peerId(): Uint8Array {
    return Buffer.from(this.key.slice(0, 20), 'latin1');
  }
}

const V6 = 2;
const SEEDER = 1;

class Torrent {
  /** Every peer by key, least recently announced first (re-inserted on each announce). */
  readonly peers = new Map<string, Peer>();
  /** Pools indexed by `(v6 ? V6 : 0) | (seeder ? SEEDER : 0)`, for O(1) removal and sampling. */
  readonly pools: [Peer[], Peer[], Peer[], Peer[]] = [[], [], [], []];
  downloaded = 0;

  constructor(
    /** Binary info hash, the key in `Swarms`. */
    readonly id: string,
    public lastAccess: number,
  ) {}

  get complete(): number {
    return this.pools[SEEDER].length + this.pools[V6 | SEEDER]!.length;
  }

  get incomplete(): number {
    return this.pools[0].length + this.pools[V6].length;
  }
}

/** All swarms of the tracker. */
export class Swarms {
  // Least recently announced first: Map keeps insertion order and announces re-insert.
  readonly #torrents = new Map<string, Torrent>();
  readonly #limits: SwarmLimits;
  #peers = 0;
  #seeders = 0;

  constructor(limits: SwarmLimits) {
    this.#limits = limits;
  }

  /** Record an announce and choose up to `numwant` other peers for the requester. */
  announce(input: SwarmAnnounce): SwarmAnnounceResult {
    const { now, event } = input;
    this.#dropOldestIfIdle(now);
    const id = binaryString(input.infohash);
    let torrent = this.#torrents.get(id);
    if (torrent === undefined) {
      if (event === 'stopped') return { peers: [], peers6: [], complete: 0, incomplete: 0, downloaded: 0 };
      if (this.#torrents.size >= this.#limits.maxTorrents) this.#dropOldest();
      torrent = new Torrent(id, now);
    } else {
      this.#torrents.delete(id);
      this.#evictStale(torrent, now);
    }
    this.#torrents.set(id, torrent);
    torrent.lastAccess = now;

    const key = binaryString(input.peerId) + input.ip;
    let peer = torrent.peers.get(key);
    if (event === 'stopped') {
      if (peer !== undefined) this.#remove(torrent, peer);
      return { peers: [], peers6: [], ...counts(torrent) };
    }

    const seeder = input.left === 0;
    if (peer === undefined) {
      if (torrent.peers.size >= this.#limits.maxPeersPerTorrent) {
        const oldest = torrent.peers.values().next().value;
        if (oldest !== undefined) this.#remove(torrent, oldest);
      }
      const v6 = input.ip.includes(':');
      peer = new Peer(key, input.ip, input.port, compactAddress(input.ip, v6, input.port), v6, seeder, now);
      torrent.peers.set(key, peer);
      addToPool(torrent, peer);
      this.#peers++;
      if (seeder) this.#seeders++;
    } else {
      torrent.peers.delete(key);
      torrent.peers.set(key, peer);
      peer.lastSeen = now;
      if (peer.port !== input.port) {
        peer.port = input.port;
        peer.compact = compactAddress(peer.ip, peer.v6, input.port);
      }
      if (peer.seeder !== seeder) {
        removeFromPool(torrent, peer);
        peer.seeder = seeder;
        addToPool(torrent, peer);
        this.#seeders += seeder ? 1 : -1;
      }
    }
    if (event === 'completed' && !peer.completed) {
      peer.completed = true;
      torrent.downloaded++;
    }

    const peers: Peer[] = [];
    const peers6: Peer[] = [];
    // The requester's own family first: it has proved it can reach that one.
    const family = peer.v6 ? V6 : 0;
    const taken = pick(torrent, family, peer, input.numwant, peer.v6 ? peers6 : peers);
    if (taken < input.numwant) pick(torrent, family ^ V6, peer, input.numwant - taken, peer.v6 ? peers : peers6);
    return { peers, peers6, ...counts(torrent) };
  }

  /** Counts for each info hash, in order; unknown torrents count zero. */
  scrape(infohashes: readonly Uint8Array[], now: number): SwarmCounts[] {
    return infohashes.map((infohash) => {
      const torrent = this.#torrents.get(binaryString(infohash));
      if (torrent === undefined) return { complete: 0, incomplete: 0, downloaded: 0 };
      this.#evictStale(torrent, now);
      return counts(torrent);
    });
  }

  /** Drop every peer silent for longer than the TTL, and torrents idle that long. */
  sweep(now: number): void {
    const cutoff = now - this.#limits.peerTtlSeconds;
    for (const torrent of this.#torrents.values()) {
      if (torrent.lastAccess <= cutoff) this.#drop(torrent);
      else this.#evictStale(torrent, now);
    }
  }

  /** Totals over every swarm (peers not yet evicted included). */
  stats(): SwarmStats {
    return {
      torrents: this.#torrents.size,
      peers: this.#peers,
      seeders: this.#seeders,
      leechers: this.#peers - this.#seeders,
    };
  }

  // Peers are ordered by last announce, so stale ones sit at the front: amortised O(1).
  #evictStale(torrent: Torrent, now: number): void {
    const cutoff = now - this.#limits.peerTtlSeconds;
    for (const peer of torrent.peers.values()) {
      if (peer.lastSeen > cutoff) return;
      this.#remove(torrent, peer);
    }
  }

  // One idle torrent per announce keeps memory tidy without a timer; `sweep` does the rest.
  #dropOldestIfIdle(now: number): void {
    const first = this.#torrents.values().next().value;
    if (first !== undefined && first.lastAccess <= now - this.#limits.peerTtlSeconds) this.#drop(first);
  }

  #dropOldest(): void {
    const first = this.#torrents.values().next().value;
    if (first !== undefined) this.#drop(first);
  }

  #drop(torrent: Torrent): void {
    this.#torrents.delete(torrent.id);
    const seeders = torrent.complete;
    this.#peers -= seeders + torrent.incomplete;
    this.#seeders -= seeders;
  }

  #remove(torrent: Torrent, peer: Peer): void {
    torrent.peers.delete(peer.key);
    removeFromPool(torrent, peer);
    this.#peers--;
    if (peer.seeder) this.#seeders--;
  }
}

function counts(torrent: Torrent): SwarmCounts {
  return { complete: torrent.complete, incomplete: torrent.incomplete, downloaded: torrent.downloaded };
}

function poolOf(torrent: Torrent, peer: Peer): Peer[] {
  return torrent.pools[(peer.v6 ? V6 : 0) | (peer.seeder ? SEEDER : 0)]!;
}

function addToPool(torrent: Torrent, peer: Peer): void {
  const pool = poolOf(torrent, peer);
  peer.index = pool.length;
  pool.push(peer);
}

function removeFromPool(torrent: Torrent, peer: Peer): void {
  const pool = poolOf(torrent, peer);
  const last = pool.pop()!;
  if (last !== peer) {
    pool[peer.index] = last;
    last.index = peer.index;
  }
  peer.index = -1;
}

/**
 * Choose up to `budget` peers of one address family for `requester` into `out`; returns how
 * many. Seeders get leechers only; leechers get seeders and leechers in proportion to the swarm.
 */
function pick(torrent: Torrent, family: number, requester: Peer, budget: number, out: Peer[]): number {
  const seeders = torrent.pools[family | SEEDER]!;
  const leechers = torrent.pools[family]!;
  const requesterIsLeecher = !requester.seeder && (requester.v6 ? V6 : 0) === family;
  if (requester.seeder) return sample(leechers, budget, undefined, out);
  const s = seeders.length;
  const l = leechers.length - (requesterIsLeecher ? 1 : 0);
  const available = s + l;
  const k = Math.min(budget, available);
  if (k === 0) return 0;
  const fromSeeders = Math.min(s, Math.max(k - l, Math.round((k * s) / available)));
  sample(seeders, fromSeeders, undefined, out);
  sample(leechers, k - fromSeeders, requesterIsLeecher ? requester : undefined, out);
  return k;
}

/**
 * Partial Fisher-Yates: a uniform sample of `k` peers of `pool` (skipping `exclude`) in O(k).
 * It shuffles the pool in place, which is harmless: pool order means nothing. When `k` covers
 * the whole pool it takes every peer as the pool holds them.
 */
function sample(pool: Peer[], k: number, exclude: Peer | undefined, out: Peer[]): number {
  const n = pool.length;
  let taken = 0;
  if (k >= n - (exclude === undefined ? 0 : 1)) {
    // All of them (small swarms, the common case): nothing to draw.
    for (const peer of pool) {
      if (peer === exclude) continue;
      out.push(peer);
      taken++;
    }
    return taken;
  }
  for (let i = 0; i < n && taken < k; i++) {
    const j = i + Math.floor(Math.random() * (n - i));
    const chosen = pool[j]!;
    if (j !== i) {
      const displaced = pool[i]!;
      pool[i] = chosen;
      chosen.index = i;
      pool[j] = displaced;
      displaced.index = j;
    }
    if (chosen !== exclude) {
      out.push(chosen);
      taken++;
    }
  }
  return taken;
}

/** Concatenated compact entries of `peers` (BEP 23 `peers`, BEP 7 `peers6`). */
export function compactPeers(peers: readonly SwarmPeer[]): Buffer {
  let size = 0;
  for (const peer of peers) size += peer.compact.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const peer of peers) {
    const compact = peer.compact;
    for (let i = 0; i < compact.length; i++) out[at++] = compact.charCodeAt(i);
  }
  return out;
}

// A latin1 string per byte array: a compact Map key, and no 8 KiB Buffer pool pinned by it.
function binaryString(bytes: Uint8Array): string {
  return (bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('latin1');
}

function compactAddress(ip: string, v6: boolean, port: number): string {
  const bytes = v6 ? ipv6Bytes(ip) : ipv4Bytes(ip);
  bytes.push(port >>> 8, port & 0xff);
  return String.fromCharCode(...bytes);
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

function ipv6Bytes(ip: string): number[] {
  const zone = ip.indexOf('%');
  const bare = zone === -1 ? ip : ip.slice(0, zone);
  const gap = bare.indexOf('::');
  const head = groups(gap === -1 ? bare : bare.slice(0, gap));
  const tail = gap === -1 ? [] : groups(bare.slice(gap + 2));
  const words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  return words.flatMap((word) => [word >>> 8, word & 0xff]);
}

// 16-bit groups of one side of `::`, an embedded dotted IPv4 tail counting as two.
function groups(part: string): number[] {
  if (part === '') return [];
  return part.split(':').flatMap((group) => {
    if (!group.includes('.')) return [parseInt(group, 16)];
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(group);
    return [(a << 8) | b, (c << 8) | d];
  });
}
