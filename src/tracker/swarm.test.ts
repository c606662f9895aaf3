import { describe, expect, test } from 'vitest';
import { PEER_HEAP_BYTES, Swarms, compactPeers, peerBudgetForHeap, type SwarmAnnounce, type SwarmLimits } from './swarm.ts';

const limits = { peerTtlSeconds: 100, maxTorrents: 1000, maxPeersPerTorrent: 1000 };
const hash = (n: number) => Uint8Array.from({ length: 20 }, (_, i) => (n + i * 13) & 0xff);
const id = (n: number) => new TextEncoder().encode(`-TS0001-${String(n).padStart(12, '0')}`);
const ids = (peers: { peerId: Uint8Array }[]) => peers.map((p) => new TextDecoder().decode(p.peerId).slice(8)).map(Number).sort((a, b) => a - b);

function request(n: number, over: Partial<SwarmAnnounce> = {}): SwarmAnnounce {
  return { infohash: hash(1), peerId: id(n), ip: `10.0.${n >> 8}.${n & 0xff}`, port: 6881, left: 100, event: undefined, numwant: 50, now: 0, ...over };
}

describe('Swarms', () => {
  test('default', () => {
    const swarms = new Swarms(limits);
    const first = swarms.announce(request(1, { event: 'started' }));
    expect(first).toMatchObject({ peers: [], peers6: [], complete: 0, incomplete: 1, downloaded: 0 });
    const second = swarms.announce(request(2, { left: 0, port: 51413 }));
    expect(ids(second.peers)).toEqual([1]);
    expect(second).toMatchObject({ complete: 1, incomplete: 1 });
    expect(compactPeers(second.peers)).toEqual(Buffer.from([10, 0, 0, 1, 0x1a, 0xe1]));
    expect(swarms.stats()).toEqual({ torrents: 1, peers: 2, seeders: 1, leechers: 1 });
  });

  test('behavior: requester excluded, numwant honoured, counts cover the whole swarm', () => {
    const swarms = new Swarms(limits);
    for (let n = 0; n < 120; n++) swarms.announce(request(n, { left: n % 3 === 0 ? 0 : 5 }));
    const result = swarms.announce(request(7, { numwant: 30 }));
    expect(result.peers).toHaveLength(30);
    expect(ids(result.peers)).not.toContain(7);
    expect(new Set(ids(result.peers)).size).toBe(30);
    expect(result).toMatchObject({ complete: 40, incomplete: 80 });
    expect(swarms.announce(request(7, { numwant: 0 })).peers).toEqual([]);
    const all = swarms.announce(request(7, { numwant: 500 }));
    expect(ids(all.peers)).toEqual([...Array(120).keys()].filter((n) => n !== 7));
  });

  test('behavior: a seeder is given leechers only; a leecher gets seeders and leechers', () => {
    const swarms = new Swarms(limits);
    for (let n = 0; n < 10; n++) swarms.announce(request(n, { left: n < 5 ? 0 : 1 }));
    expect(ids(swarms.announce(request(0, { left: 0 })).peers)).toEqual([5, 6, 7, 8, 9]);
    const mixed = swarms.announce(request(9, { numwant: 4 }));
    const got = ids(mixed.peers);
    expect(got.filter((n) => n < 5)).toHaveLength(2);
    expect(got).not.toContain(9);
  });

  test('behavior: selection is random and covers the swarm', () => {
    const swarms = new Swarms(limits);
    for (let n = 0; n < 100; n++) swarms.announce(request(n));
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) for (const n of ids(swarms.announce(request(0, { numwant: 10 })).peers)) seen.add(n);
    expect(seen.size).toBeGreaterThan(90);
  });

  test('behavior: a known leecher reaching left=0 is one snatch, once per peer, whatever its event', () => {
    const swarms = new Swarms(limits);
    swarms.announce(request(1, { event: 'started' }));
    expect(swarms.announce(request(1, { event: 'completed', left: 0 })).downloaded).toBe(1);
    expect(swarms.announce(request(1, { event: 'completed', left: 0 })).downloaded).toBe(1);
    // rTorrent: a regular announce with left=0 long before its `completed`.
    swarms.announce(request(2, { event: 'started' }));
    expect(swarms.announce(request(2, { left: 0 })).downloaded).toBe(2);
    expect(swarms.announce(request(2, { event: 'completed', left: 0 })).downloaded).toBe(2);
    // Back to leeching (a re-check found a bad piece) and done again: still one snatch.
    swarms.announce(request(2, { left: 5 }));
    expect(swarms.announce(request(2, { left: 0 })).downloaded).toBe(2);
    expect(swarms.scrape([hash(1)], 0)).toEqual([{ complete: 2, incomplete: 0, downloaded: 2 }]);
  });

  test('behavior: stopped with left=0 from a known leecher is a snatch (rTorrent leaves before its completed)', () => {
    const swarms = new Swarms(limits);
    swarms.announce(request(1, { event: 'started' }));
    expect(swarms.announce(request(1, { event: 'stopped', left: 0 }))).toMatchObject({ complete: 0, incomplete: 0, downloaded: 1 });
    // Stopping while still downloading is none.
    swarms.announce(request(2, { event: 'started' }));
    expect(swarms.announce(request(2, { event: 'stopped', left: 7 })).downloaded).toBe(1);
  });

  test('behavior: a peer that joined complete never counts a snatch, its completed event included (WebTorrent starting as a seeder)', () => {
    const swarms = new Swarms(limits);
    expect(swarms.announce(request(1, { event: 'started', left: 0 })).downloaded).toBe(0);
    expect(swarms.announce(request(1, { event: 'completed', left: 0 })).downloaded).toBe(0);
    expect(swarms.announce(request(2, { event: 'completed', left: 0 })).downloaded).toBe(0);
    expect(swarms.announce(request(2, { event: 'stopped', left: 0 })).downloaded).toBe(0);
    // An unknown peer's `completed` with left > 0 is nothing either.
    expect(swarms.announce(request(3, { event: 'completed', left: 9 })).downloaded).toBe(0);
  });

  test('behavior: snatch counts outlive the peers: a torrent emptied by stops, expiry or eviction keeps its count', () => {
    const swarms = new Swarms({ ...limits, maxTorrents: 2 });
    const done = (torrent: number, peer: number, now: number) => {
      swarms.announce(request(peer, { infohash: hash(torrent), now }));
      swarms.announce(request(peer, { infohash: hash(torrent), left: 0, now }));
    };
    done(1, 1, 0);
    done(1, 2, 0);
    swarms.sweep(500);
    expect(swarms.stats().torrents).toBe(0);
    expect(swarms.scrape([hash(1)], 500)).toEqual([{ complete: 0, incomplete: 0, downloaded: 2 }]);
    done(1, 3, 500);
    expect(swarms.scrape([hash(1)], 500)[0]!.downloaded).toBe(3);
    // Pushed out of a full table by two newer torrents, and back.
    done(2, 1, 501);
    done(3, 1, 502);
    expect(swarms.scrape([hash(1), hash(2), hash(3)], 502).map((c) => c.downloaded)).toEqual([3, 1, 1]);
    expect(swarms.announce(request(4, { infohash: hash(1), now: 503 })).downloaded).toBe(3);
  });

  test('behavior: snatches go to the given counts, which a new torrent starts from', () => {
    const counts = new Map<string, number>([[Buffer.from(hash(1)).toString('latin1'), 41]]);
    const swarms = new Swarms(limits, { count: (id) => counts.get(id) ?? 0, set: (id, total) => void counts.set(id, total) });
    expect(swarms.scrape([hash(1)], 0)[0]!.downloaded).toBe(41);
    swarms.announce(request(1));
    expect(swarms.announce(request(1, { left: 0 })).downloaded).toBe(42);
    expect(counts.get(Buffer.from(hash(1)).toString('latin1'))).toBe(42);
  });

  test('behavior: stats count only torrents with a peer, not those whose peers all stopped or expired', () => {
    const swarms = new Swarms(limits);
    swarms.announce(request(1, { infohash: hash(1) }));
    swarms.announce(request(2, { infohash: hash(2) }));
    swarms.announce(request(3, { infohash: hash(3), now: 50 }));
    expect(swarms.stats().torrents).toBe(3);
    swarms.announce(request(1, { infohash: hash(1), event: 'stopped' }));
    expect(swarms.stats()).toEqual({ torrents: 2, peers: 2, seeders: 0, leechers: 2 });
    // Expired lazily by a scrape, before any sweep drops the torrent.
    swarms.scrape([hash(2)], 120);
    expect(swarms.stats()).toEqual({ torrents: 1, peers: 1, seeders: 0, leechers: 1 });
    swarms.announce(request(1, { infohash: hash(1), now: 120 }));
    expect(swarms.stats().torrents).toBe(2);
  });

  test('behavior: stopped removes the peer and returns no peers', () => {
    const swarms = new Swarms(limits);
    swarms.announce(request(1));
    swarms.announce(request(2));
    const stopped = swarms.announce(request(1, { event: 'stopped' }));
    expect(stopped).toMatchObject({ peers: [], complete: 0, incomplete: 1 });
    expect(ids(swarms.announce(request(2)).peers)).toEqual([]);
    expect(swarms.stats()).toMatchObject({ peers: 1 });
    expect(swarms.announce(request(3, { infohash: hash(9), event: 'stopped' }))).toMatchObject({ complete: 0, incomplete: 0 });
    expect(swarms.stats().torrents).toBe(1);
  });

  test('behavior: a peer is keyed by peer id and address; a port change updates it', () => {
    const swarms = new Swarms(limits);
    swarms.announce(request(1));
    swarms.announce(request(1, { port: 7000 }));
    swarms.announce(request(1, { ip: '2001:db8::1' }));
    const seen = swarms.announce(request(2));
    expect(seen.peers.map((p) => p.port)).toEqual([7000]);
    expect(seen.peers6.map((p) => p.ip)).toEqual(['2001:db8::1']);
    expect(seen.incomplete).toBe(3);
  });

  test('behavior: IPv6 peers are compact 18-byte entries in peers6, own family first', () => {
    const swarms = new Swarms(limits);
    swarms.announce(request(1, { ip: '2001:db8::1:2', port: 0x1234 }));
    swarms.announce(request(2, { ip: '::ffff:0:1.2.3.4' }));
    swarms.announce(request(3, { ip: '10.1.1.1' }));
    const v6 = swarms.announce(request(4, { ip: 'fe80::9', numwant: 1 }));
    expect(v6.peers).toEqual([]);
    expect(v6.peers6).toHaveLength(1);
    const both = swarms.announce(request(4, { ip: 'fe80::9' }));
    expect(ids(both.peers)).toEqual([3]);
    const byIp = new Map(both.peers6.map((p) => [p.ip, compactPeers([p])]));
    expect(byIp.get('2001:db8::1:2')).toEqual(Buffer.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0x12, 0x34]));
    expect(byIp.get('::ffff:0:1.2.3.4')).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 2, 3, 4, 0x1a, 0xe1]));
  });

  test('behavior: peers silent past the TTL are evicted lazily and by sweep', () => {
    const swarms = new Swarms(limits);
    swarms.announce(request(1, { now: 0 }));
    swarms.announce(request(2, { now: 50 }));
    swarms.announce(request(3, { infohash: hash(2), now: 50 }));
    expect(ids(swarms.announce(request(4, { now: 99 })).peers)).toEqual([1, 2]);
    expect(ids(swarms.announce(request(4, { now: 100 })).peers)).toEqual([2]);
    expect(swarms.scrape([hash(1)], 151)).toEqual([{ complete: 0, incomplete: 1, downloaded: 0 }]);
    swarms.sweep(151);
    expect(swarms.stats()).toEqual({ torrents: 1, peers: 1, seeders: 0, leechers: 1 });
    swarms.sweep(200);
    expect(swarms.stats()).toEqual({ torrents: 0, peers: 0, seeders: 0, leechers: 0 });
  });

  test('behavior: an idle torrent is dropped by a later announce elsewhere', () => {
    const swarms = new Swarms(limits);
    swarms.announce(request(1, { infohash: hash(1), now: 0 }));
    swarms.announce(request(1, { infohash: hash(2), now: 150 }));
    expect(swarms.stats()).toMatchObject({ torrents: 1, peers: 1 });
  });

  test('behavior: torrents and peers per torrent are bounded, least recently announced go first', () => {
    const swarms = new Swarms({ peerTtlSeconds: 1000, maxTorrents: 3, maxPeersPerTorrent: 2 });
    for (let t = 1; t <= 3; t++) swarms.announce(request(1, { infohash: hash(t), now: t }));
    swarms.announce(request(1, { infohash: hash(1), now: 4 }));
    swarms.announce(request(1, { infohash: hash(4), now: 5 }));
    expect(swarms.scrape([hash(1), hash(2), hash(3), hash(4)], 5).map((c) => c.incomplete)).toEqual([1, 0, 1, 1]);
    swarms.announce(request(2, { infohash: hash(4), now: 6 }));
    swarms.announce(request(1, { infohash: hash(4), now: 7 }));
    swarms.announce(request(3, { infohash: hash(4), now: 8 }));
    expect(ids(swarms.announce(request(3, { infohash: hash(4), now: 9 })).peers)).toEqual([1]);
    expect(swarms.stats()).toEqual({ torrents: 3, peers: 4, seeders: 0, leechers: 4 });
  });
});

describe('Swarms: per-owner limits and the peer budget', () => {
  const owned: SwarmLimits = {
    peerTtlSeconds: 10_000,
    maxTorrents: 10_000,
    maxPeersPerTorrent: 1000,
    maxTorrentPeersPerPasskey: 4,
    maxTorrentPeersPerAddress: 6,
    maxPeersPerPasskey: 50,
    maxPeersPerAddress: 80,
    maxPeers: 1_000_000,
  };
  /** Attack torrents, never hash(1) (whose bytes repeat every 256). */
  const other = (n: number) => Uint8Array.from({ length: 20 }, (_, i) => (i < 4 ? (n >>> (8 * i)) & 0xff : 0xee));
  const honest = (swarms: Swarms, now = 0) => {
    for (let n = 1; n <= 5; n++) swarms.announce(request(n, { passkey: `honest${n}`, now }));
  };

  test('behavior: one passkey announcing thousands of peer ids into a torrent only replaces its own oldest peers (no eclipse)', () => {
    const swarms = new Swarms({ ...owned, maxPeersPerTorrent: 100 });
    honest(swarms);
    for (let n = 1000; n < 6000; n++) swarms.announce(request(n, { passkey: 'mallory', ip: `10.9.${n >> 8 & 0xff}.${n & 0xff}`, numwant: 0, now: 1 + n }));
    const fresh = swarms.announce(request(99, { passkey: 'newcomer', now: 7000 }));
    expect(ids(fresh.peers)).toEqual([1, 2, 3, 4, 5, 5996, 5997, 5998, 5999]);
    expect(swarms.limitStats().evictions.torrent_passkey).toBe(5000 - 4);
  });

  test('behavior: one address announcing under many passkeys into a torrent only replaces its own oldest peers', () => {
    const swarms = new Swarms({ ...owned, maxPeersPerTorrent: 100 });
    honest(swarms);
    for (let n = 1000; n < 3000; n++) swarms.announce(request(n, { passkey: `sybil${n}`, ip: '10.66.0.1', numwant: 0, now: 1 + n }));
    const fresh = swarms.announce(request(99, { passkey: 'newcomer', now: 5000 }));
    expect(ids(fresh.peers)).toEqual([1, 2, 3, 4, 5, 2994, 2995, 2996, 2997, 2998, 2999]);
    expect(swarms.limitStats().evictions.torrent_address).toBe(2000 - 6);
  });

  test('behavior: Sybil passkeys filling a torrent to its cap evict their own peers there, never a smaller holder\'s', () => {
    const swarms = new Swarms({ ...owned, maxPeersPerTorrent: 100 });
    honest(swarms);
    // 40 Sybil passkeys at 20 addresses, each within its per-torrent limits (4 a passkey, 6 an address), 120 together.
    for (let n = 1000; n < 5000; n++) {
      const sybil = n % 40;
      swarms.announce(request(n, { passkey: `sybil${sybil}`, ip: `10.88.0.${sybil % 20}`, numwant: 0, now: n }));
    }
    const fresh = swarms.announce(request(99, { passkey: 'newcomer', numwant: 200, now: 6000 }));
    expect(fresh.peers).toHaveLength(99);
    expect(ids(fresh.peers).filter((n) => n < 1000)).toEqual([1, 2, 3, 4, 5]);
    expect(swarms.limitStats().evictions.torrent).toBeGreaterThan(0);
  });

  test('behavior: a full torrent drops its largest holder\'s oldest peer; among holders as large, the least recently announced', () => {
    const swarms = new Swarms({ ...owned, maxPeersPerTorrent: 4 });
    const at = (n: number, passkey: string, ip: string, now: number) => ids(swarms.announce(request(n, { passkey, ip, now })).peers);
    at(1, 'alice', '10.5.0.1', 1);
    at(2, 'bob', '10.5.0.2', 2);
    at(3, 'bob', '10.5.0.2', 3);
    at(4, 'carol', '10.5.0.3', 4);
    // Bob (and his address) hold the most: his oldest goes, not alice's older one.
    expect(at(5, 'dave', '10.5.0.4', 5)).toEqual([1, 3, 4]);
    // Now every holder has one: the least recently announced goes, as without owners.
    expect(at(6, 'erin', '10.5.0.5', 6)).toEqual([3, 4, 5]);
    expect(swarms.limitStats().evictions.torrent).toBe(2);
  });

  test('behavior: a holder back to one peer no longer counts among the largest in its torrent', () => {
    const swarms = new Swarms({ ...owned, maxPeersPerTorrent: 5 });
    const at = (n: number, passkey: string, ip: string, now: number, event?: 'stopped') => ids(swarms.announce(request(n, { passkey, ip, now, event })).peers);
    at(10, 'carol', '10.5.0.3', 1);
    at(11, 'bob', '10.5.0.2', 2);
    at(12, 'alice', '10.5.0.1', 3);
    at(13, 'alice', '10.5.0.1', 4);
    at(14, 'bob', '10.5.0.2', 5);
    at(13, 'alice', '10.5.0.1', 6, 'stopped');
    at(15, 'erin', '10.5.0.5', 7);
    // Full: bob alone holds two, so his oldest goes, not alice's one peer.
    expect(at(16, 'dave', '10.5.0.4', 8)).toEqual([10, 12, 14, 15]);
  });

  test('behavior: a passkey or an address over many torrents holds at most its total; torrents it leaves empty go', () => {
    const swarms = new Swarms(owned);
    honest(swarms);
    for (let n = 0; n < 2000; n++) swarms.announce(request(n, { infohash: other(n), passkey: 'mallory', ip: `10.9.${n >> 8}.${n & 0xff}`, numwant: 0, now: 1 + n }));
    expect(swarms.stats()).toMatchObject({ peers: 5 + 50, torrents: 1 + 50 });
    for (let n = 0; n < 2000; n++) swarms.announce(request(n, { infohash: other(n), passkey: `sybil${n}`, ip: '10.66.0.1', numwant: 0, now: 3000 + n }));
    expect(swarms.stats()).toMatchObject({ peers: 5 + 50 + 80 });
    expect(swarms.limitStats()).toMatchObject({ evictions: { passkey: 2000 - 50, address: 2000 - 80 }, addresses: 5 + 50 + 1 });
    expect(ids(swarms.announce(request(99, { passkey: 'newcomer', now: 9000 })).peers)).toEqual([1, 2, 3, 4, 5]);
  });

  test('behavior: a full peer budget takes from the largest holder, never from small honest ones', () => {
    const swarms = new Swarms({ ...owned, maxPeers: 100 });
    honest(swarms);
    // 40 Sybil passkeys at 40 addresses, each within its own limits, together past the budget.
    for (let n = 0; n < 4000; n++) {
      const sybil = n % 40;
      swarms.announce(request(n, { infohash: other(n % 500), passkey: `sybil${sybil}`, ip: `10.77.0.${sybil}`, numwant: 0, now: 1 + n }));
    }
    expect(swarms.stats().peers).toBe(100);
    expect(swarms.limitStats().evictions.budget).toBeGreaterThan(3000);
    expect(ids(swarms.announce(request(99, { passkey: 'newcomer', now: 9000 })).peers)).toEqual([1, 2, 3, 4, 5]);
    expect(swarms.stats().peers).toBe(100);
  });

  test('behavior: a re-announce keeps a peer the most recent of its owner, so a stale id goes first', () => {
    const swarms = new Swarms(owned);
    for (let n = 1; n <= 4; n++) swarms.announce(request(n, { passkey: 'alice', now: n }));
    swarms.announce(request(1, { passkey: 'alice', now: 5 }));
    swarms.announce(request(5, { passkey: 'alice', now: 6 }));
    expect(ids(swarms.announce(request(9, { now: 7 })).peers)).toEqual([1, 3, 4, 5]);
    swarms.announce(request(5, { passkey: 'alice', event: 'stopped', now: 8 }));
    swarms.announce(request(6, { passkey: 'alice', now: 9 }));
    expect(ids(swarms.announce(request(9, { now: 10 })).peers)).toEqual([1, 3, 4, 6]);
  });

  test('default: the budget derives from the heap limit', () => {
    expect(peerBudgetForHeap(4 * 1024 ** 3)).toBe(Math.floor((2 * 1024 ** 3) / PEER_HEAP_BYTES));
    expect(peerBudgetForHeap(384 * 1024 ** 2) * PEER_HEAP_BYTES).toBeLessThanOrEqual(192 * 1024 ** 2);
  });
});

