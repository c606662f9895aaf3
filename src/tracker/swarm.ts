/**
 * Swarm storage: which peers are in which torrent, peer selection and eviction. In memory,
 * bounded, and O(numwant) per announce.
 *
 * Every peer belongs to its passkey (when it announced with one) and its address, in its torrent
 * and over all torrents. Those four groups are bounded, and a group at its bound makes room by
 * dropping its own least recently announced peer: one passkey or one address can only ever push
 * out its own entries, never another member's. A full torrent and the full global peer budget
 * take from the largest holder (the passkey or address with the most peers, in the torrent or
 * overall), so Sybils that together fill either lose their own peers first. Each group is an
 * intrusive doubly linked list in announce order with a count, so every check and eviction is O(1).
 * @module
 */
import type { AnnounceEvent } from './query.ts';

/** The per-owner bounds and the global budget (absent ones are unlimited). */
export interface SwarmOwnerLimits {
  /** Peers one passkey may hold in one torrent. */
  maxTorrentPeersPerPasskey: number;
  /** Peers one address may hold in one torrent. */
  maxTorrentPeersPerAddress: number;
  /** Peers one passkey may hold over all torrents. */
  maxPeersPerPasskey: number;
  /** Peers one address may hold over all torrents. */
  maxPeersPerAddress: number;
  /** Peers over all torrents (the memory bound). */
  maxPeers: number;
}

/** The bounds a {@link Swarms} enforces (a subset of `TrackerConfig`), read live on every announce. */
export interface SwarmLimits extends Partial<SwarmOwnerLimits> {
  peerTtlSeconds: number;
  maxTorrents: number;
  maxPeersPerTorrent: number;
}

/**
 * Heap bytes one peer costs with its share of group, map and pool entries: measured with
 * `--expose-gc` over 200,000 IPv4 peers, about 1,000 B each when every peer has its own passkey
 * and address (the worst case; 510 B when they share one), plus headroom for IPv6 keys.
 */
export const PEER_HEAP_BYTES = 1200;

/** The default global budget: peers that fit in half of a heap of `heapLimit` bytes. */
export function peerBudgetForHeap(heapLimit: number): number {
  return Math.max(1000, Math.floor(heapLimit / 2 / PEER_HEAP_BYTES));
}

/** Why peers were evicted to make room (counters, for `/metrics`). */
export type EvictionReason = 'torrent_passkey' | 'torrent_address' | 'passkey' | 'address' | 'budget' | 'torrent';

/** Counters of the bounds at work. */
export interface SwarmLimitStats {
  /** Peers evicted to make room, by the bound that made room. */
  evictions: Record<EvictionReason, number>;
  /** Passkeys and addresses holding at least one peer. */
  passkeys: number;
  addresses: number;
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
  /** The passkey of the announce URL, when there is one: the peer's owner. */
  passkey?: string | undefined;
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
  /** Completed downloads (snatches): peers seen going from `left` > 0 to `left` = 0, each once. */
  downloaded: number;
}

/**
 * Where torrents' snatch counts (`downloaded`) are kept beyond their peers, so a torrent whose
 * last peer went keeps its count (and, in the store, across restarts: `snatches.ts`). Torrents
 * are named by their binary info hash, one char per byte.
 */
export interface Snatches {
  /** The snatch count of torrent `id`, 0 when it has none. */
  count(id: string): number;
  /** Torrent `id` now counts `total` snatches (a count only grows). */
  set(id: string, total: number): void;
}

/** Snatch counts in memory only: kept while the process runs (tests, a tracker without a store). */
export function memorySnatches(): Snatches {
  const counts = new Map<string, number>();
  return {
    count: (id) => counts.get(id) ?? 0,
    set: (id, total) => void counts.set(id, total),
  };
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
  /** Torrents with at least one peer (one whose peers all stopped is not counted). */
  torrents: number;
  peers: number;
  seeders: number;
  leechers: number;
}

/** Group kinds: the owner's peers in one torrent (passkey, address), and over all torrents. */
const TP = 0;
const TA = 1;
const GP = 2;
const GA = 3;

class Peer implements SwarmPeer {
  /** Index in its pool, kept up to date by every swap. */
  index = -1;
  /** Its download is counted in the torrent's snatches. */
  snatched = false;
  // Links of the four groups, least recently announced first (see Group).
  p0: Peer | undefined = undefined;
  n0: Peer | undefined = undefined;
  p1: Peer | undefined = undefined;
  n1: Peer | undefined = undefined;
  p2: Peer | undefined = undefined;
  n2: Peer | undefined = undefined;
  p3: Peer | undefined = undefined;
  n3: Peer | undefined = undefined;

  constructor(
    /** Binary peer id (20 chars) followed by the IP: dual-stack clients announce once per family. */
    readonly key: string,
    readonly ip: string,
    public port: number,
    public compact: string,
    readonly v6: boolean,
    public seeder: boolean,
    public lastSeen: number,
    readonly torrent: Torrent,
    /** The passkey's groups in the torrent and overall; undefined without a passkey. */
    readonly tp: Group | undefined,
    readonly gp: Group | undefined,
    /** The address's groups in the torrent and overall. */
    readonly ta: Group,
    readonly ga: Group,
  ) {}

  get peerId(): Uint8Array {
    return Buffer.from(this.key.slice(0, 20), 'latin1');
  }
}

/**
 * The peers of one owner (a passkey or an address, in one torrent or over all), least recently
 * announced first: an intrusive doubly linked list through the peers' links of its kind.
 */
class Group {
  count = 0;
  head: Peer | undefined = undefined;
  tail: Peer | undefined = undefined;

  constructor(
    readonly key: string,
    readonly kind: typeof TP | typeof TA | typeof GP | typeof GA,
  ) {}

  push(peer: Peer): void {
    const kind = this.kind;
    setPrev(peer, kind, this.tail);
    setNext(peer, kind, undefined);
    if (this.tail === undefined) this.head = peer;
    else setNext(this.tail, kind, peer);
    this.tail = peer;
    this.count++;
  }

  unlink(peer: Peer): void {
    const kind = this.kind;
    const prev = prevOf(peer, kind);
    const next = nextOf(peer, kind);
    if (prev === undefined) this.head = next;
    else setNext(prev, kind, next);
    if (next === undefined) this.tail = prev;
    else setPrev(next, kind, prev);
    setPrev(peer, kind, undefined);
    setNext(peer, kind, undefined);
    this.count--;
  }

  /** Moves `peer` to the most recently announced end. */
  touch(peer: Peer): void {
    if (this.tail === peer) return;
    this.unlink(peer);
    this.push(peer);
  }
}

function prevOf(peer: Peer, kind: number): Peer | undefined {
  return kind === TP ? peer.p0 : kind === TA ? peer.p1 : kind === GP ? peer.p2 : peer.p3;
}

function nextOf(peer: Peer, kind: number): Peer | undefined {
  return kind === TP ? peer.n0 : kind === TA ? peer.n1 : kind === GP ? peer.n2 : peer.n3;
}

function setPrev(peer: Peer, kind: number, value: Peer | undefined): void {
  if (kind === TP) peer.p0 = value;
  else if (kind === TA) peer.p1 = value;
  else if (kind === GP) peer.p2 = value;
  else peer.p3 = value;
}

function setNext(peer: Peer, kind: number, value: Peer | undefined): void {
  if (kind === TP) peer.n0 = value;
  else if (kind === TA) peer.n1 = value;
  else if (kind === GP) peer.n2 = value;
  else peer.n3 = value;
}

/**
 * Groups by peer count, for the "largest holder" in O(1) (the overall groups for the budget, a
 * torrent's own for its cap): a group moves one bucket up or down per peer added or removed, and
 * the top bucket only moves by one. Groups of fewer than `least` peers are not kept: a torrent
 * needs no order among holders of one peer (its oldest peer goes then), and most of its holders
 * have one, so it saves their entries.
 */
class Holders {
  readonly #buckets: Set<Group>[] = [];
  readonly #least: number;
  #max = 0;

  constructor(least = 1) {
    this.#least = least;
  }

  added(group: Group): void {
    const count = group.count;
    if (count < this.#least) return;
    if (count > this.#least) this.#buckets[count - 1]!.delete(group);
    let bucket = this.#buckets[count];
    if (bucket === undefined) this.#buckets[count] = bucket = new Set();
    bucket.add(group);
    if (count > this.#max) this.#max = count;
  }

  removed(group: Group): void {
    const count = group.count;
    if (count + 1 < this.#least) return;
    this.#buckets[count + 1]!.delete(group);
    if (count >= this.#least) this.#buckets[count]!.add(group);
    // Every bucket from `least` to the top exists: counts only ever grow one by one.
    while (this.#max >= this.#least && this.#buckets[this.#max]!.size === 0) this.#max--;
    if (this.#max < this.#least) this.#max = 0;
  }

  /** The holder with the most peers (of at least `least`), if any. */
  largest(): Group | undefined {
    return this.#max === 0 ? undefined : this.#buckets[this.#max]!.values().next().value;
  }

  /** Peers of the largest holder (0 when none holds `least`). */
  get most(): number {
    return this.#max;
  }
}

const V6 = 2;
const SEEDER = 1;

class Torrent {
  /** Every peer by key, least recently announced first (re-inserted on each announce). */
  readonly peers = new Map<string, Peer>();
  /** The torrent's groups by passkey and by address, and both by size. */
  readonly byPasskey = new Map<string, Group>();
  readonly byAddress = new Map<string, Group>();
  readonly holders = new Holders(2);
  /** Pools indexed by `(v6 ? V6 : 0) | (seeder ? SEEDER : 0)`, for O(1) removal and sampling. */
  readonly pools: [Peer[], Peer[], Peer[], Peer[]] = [[], [], [], []];

  constructor(
    /** Binary info hash, the key in `Swarms`. */
    readonly id: string,
    public lastAccess: number,
    /** Snatches, from every earlier life of the torrent on. */
    public downloaded: number,
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
  readonly #snatches: Snatches;
  #peers = 0;
  #seeders = 0;
  /** Torrents holding at least one peer (the table also holds torrents whose peers all left). */
  #live = 0;
  readonly #byPasskey = new Map<string, Group>();
  readonly #byAddress = new Map<string, Group>();
  readonly #holders = new Holders();
  readonly #evictions: Record<EvictionReason, number> = {
    torrent_passkey: 0,
    torrent_address: 0,
    passkey: 0,
    address: 0,
    budget: 0,
    torrent: 0,
  };

  constructor(limits: SwarmLimits, snatches: Snatches = memorySnatches()) {
    this.#limits = limits;
    this.#snatches = snatches;
  }

  /** Record an announce and choose up to `numwant` other peers for the requester. */
  announce(input: SwarmAnnounce): SwarmAnnounceResult {
    const { now, event } = input;
    this.#dropOldestIfIdle(now);
    const id = binaryString(input.infohash);
    let torrent = this.#torrents.get(id);
    if (torrent === undefined) {
      if (event === 'stopped') return { peers: [], peers6: [], complete: 0, incomplete: 0, downloaded: this.#snatches.count(id) };
      if (this.#torrents.size >= this.#limits.maxTorrents) this.#dropOldest();
      torrent = new Torrent(id, now, this.#snatches.count(id));
    } else {
      this.#torrents.delete(id);
      this.#evictStale(torrent, now);
    }
    this.#torrents.set(id, torrent);
    torrent.lastAccess = now;

    const key = binaryString(input.peerId) + input.ip;
    let peer = torrent.peers.get(key);
    const seeder = input.left === 0;
    if (event === 'stopped') {
      if (peer !== undefined) {
        // rTorrent holds its `completed` back and may leave with `stopped` and left=0 instead.
        if (seeder) this.#finished(torrent, peer);
        this.#remove(torrent, peer);
      }
      return { peers: [], peers6: [], ...counts(torrent) };
    }

    if (peer === undefined) {
      peer = this.#add(torrent, key, input, seeder, now);
    } else {
      torrent.peers.delete(key);
      torrent.peers.set(key, peer);
      peer.tp?.touch(peer);
      peer.gp?.touch(peer);
      peer.ta.touch(peer);
      peer.ga.touch(peer);
      peer.lastSeen = now;
      if (peer.port !== input.port) {
        peer.port = input.port;
        peer.compact = compactAddress(peer.ip, peer.v6, input.port);
      }
      if (peer.seeder !== seeder) {
        if (seeder) this.#finished(torrent, peer);
        removeFromPool(torrent, peer);
        peer.seeder = seeder;
        addToPool(torrent, peer);
        this.#seeders += seeder ? 1 : -1;
      }
    }

    const peers: Peer[] = [];
    const peers6: Peer[] = [];
    // The requester's own family first: it has proved it can reach that one.
    const family = peer.v6 ? V6 : 0;
    const taken = pick(torrent, family, peer, input.numwant, peer.v6 ? peers6 : peers);
    if (taken < input.numwant) pick(torrent, family ^ V6, peer, input.numwant - taken, peer.v6 ? peers : peers6);
    return { peers, peers6, ...counts(torrent) };
  }

  /**
   * A known leecher announced `left` = 0, whatever its event: a snatch, once per peer. The
   * `completed` event alone is no evidence: WebTorrent starting as a seeder sends one for a
   * download that never happened, and a peer that joined complete downloaded nothing here.
   */
  #finished(torrent: Torrent, peer: Peer): void {
    if (peer.seeder || peer.snatched) return;
    peer.snatched = true;
    this.#snatches.set(torrent.id, ++torrent.downloaded);
  }

  /** Makes room within every bound (taking only from the full group), then adds the peer. */
  #add(torrent: Torrent, key: string, input: SwarmAnnounce, seeder: boolean, now: number): Peer {
    const limits = this.#limits;
    const { ip } = input;
    const passkey = input.passkey || undefined;
    if (passkey !== undefined) {
      this.#trim(torrent.byPasskey.get(passkey), limits.maxTorrentPeersPerPasskey, 'torrent_passkey');
      this.#trim(this.#byPasskey.get(passkey), limits.maxPeersPerPasskey, 'passkey');
    }
    this.#trim(torrent.byAddress.get(ip), limits.maxTorrentPeersPerAddress, 'torrent_address');
    this.#trim(this.#byAddress.get(ip), limits.maxPeersPerAddress, 'address');
    const budget = limits.maxPeers ?? Infinity;
    while (this.#peers >= budget) {
      const largest = this.#holders.largest();
      if (largest === undefined) break;
      this.#evict(largest.head!, 'budget');
    }
    if (torrent.peers.size >= limits.maxPeersPerTorrent) {
      const victim = fullTorrentVictim(torrent);
      if (victim !== undefined) this.#evict(victim, 'torrent');
    }

    // Room made in this very torrent may have emptied it: it stays, most recently announced.
    if (!this.#torrents.has(torrent.id)) this.#torrents.set(torrent.id, torrent);

    const tp = passkey === undefined ? undefined : groupOf(torrent.byPasskey, passkey, TP);
    const gp = passkey === undefined ? undefined : groupOf(this.#byPasskey, passkey, GP);
    const ta = groupOf(torrent.byAddress, ip, TA);
    const ga = groupOf(this.#byAddress, ip, GA);
    const v6 = ip.includes(':');
    const peer = new Peer(key, ip, input.port, compactAddress(ip, v6, input.port), v6, seeder, now, torrent, tp, gp, ta, ga);
    torrent.peers.set(key, peer);
    if (torrent.peers.size === 1) this.#live++;
    addToPool(torrent, peer);
    if (tp !== undefined) {
      tp.push(peer);
      torrent.holders.added(tp);
    }
    ta.push(peer);
    torrent.holders.added(ta);
    if (gp !== undefined) {
      gp.push(peer);
      this.#holders.added(gp);
    }
    ga.push(peer);
    this.#holders.added(ga);
    this.#peers++;
    if (seeder) this.#seeders++;
    return peer;
  }

  /** While `group` holds `limit` peers or more, evicts its least recently announced one. */
  #trim(group: Group | undefined, limit: number | undefined, reason: EvictionReason): void {
    if (group === undefined || limit === undefined) return;
    while (group.count >= limit && group.head !== undefined) this.#evict(group.head, reason);
  }

  /** Evicts a peer to make room; a torrent left empty by it goes too (so a flood of torrents cannot fill the table). */
  #evict(peer: Peer, reason: EvictionReason): void {
    this.#evictions[reason]++;
    const torrent = peer.torrent;
    this.#remove(torrent, peer);
    if (torrent.peers.size === 0 && this.#torrents.get(torrent.id) === torrent) this.#torrents.delete(torrent.id);
  }

  /** Counters of the per-owner bounds and the budget. */
  limitStats(): SwarmLimitStats {
    return { evictions: { ...this.#evictions }, passkeys: this.#byPasskey.size, addresses: this.#byAddress.size };
  }

  /** Counts for each info hash, in order; a torrent without peers counts its snatches only. */
  scrape(infohashes: readonly Uint8Array[], now: number): SwarmCounts[] {
    return infohashes.map((infohash) => {
      const id = binaryString(infohash);
      const torrent = this.#torrents.get(id);
      if (torrent === undefined) return { complete: 0, incomplete: 0, downloaded: this.#snatches.count(id) };
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

  /** Totals over every swarm (peers not yet evicted included); `torrents` counts those with a peer. */
  stats(): SwarmStats {
    return {
      torrents: this.#live,
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
    if (torrent.peers.size > 0) this.#live--;
    const seeders = torrent.complete;
    this.#peers -= seeders + torrent.incomplete;
    this.#seeders -= seeders;
    // The torrent's own groups go with it; the overall ones lose its peers.
    for (const peer of torrent.peers.values()) this.#leaveOverall(peer);
  }

  #remove(torrent: Torrent, peer: Peer): void {
    torrent.peers.delete(peer.key);
    if (torrent.peers.size === 0) this.#live--;
    removeFromPool(torrent, peer);
    this.#peers--;
    if (peer.seeder) this.#seeders--;
    const { tp, ta } = peer;
    if (tp !== undefined) {
      tp.unlink(peer);
      torrent.holders.removed(tp);
      if (tp.count === 0) torrent.byPasskey.delete(tp.key);
    }
    ta.unlink(peer);
    torrent.holders.removed(ta);
    if (ta.count === 0) torrent.byAddress.delete(ta.key);
    this.#leaveOverall(peer);
  }

  #leaveOverall(peer: Peer): void {
    const { gp, ga } = peer;
    if (gp !== undefined) {
      gp.unlink(peer);
      this.#holders.removed(gp);
      if (gp.count === 0) this.#byPasskey.delete(gp.key);
    }
    ga.unlink(peer);
    this.#holders.removed(ga);
    if (ga.count === 0) this.#byAddress.delete(ga.key);
  }
}

/**
 * The peer a full torrent drops: the oldest peer of its largest holder (passkey or address), so
 * Sybils filling a torrent together evict their own peers, never a smaller holder's. The
 * torrent's least recently announced peer is every group's oldest, so when its owner is as large
 * as any it goes, as in a torrent whose holders all have one peer.
 */
function fullTorrentVictim(torrent: Torrent): Peer | undefined {
  const oldest = torrent.peers.values().next().value;
  if (oldest === undefined) return undefined;
  const most = torrent.holders.most;
  if (oldest.ta.count >= most || (oldest.tp?.count ?? 0) >= most) return oldest;
  return torrent.holders.largest()!.head;
}

function groupOf(groups: Map<string, Group>, key: string, kind: typeof TP | typeof TA | typeof GP | typeof GA): Group {
  let group = groups.get(key);
  if (group === undefined) groups.set(key, (group = new Group(key, kind)));
  return group;
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
