/**
 * `/metrics` samples of the swarm bounds: the per-owner limits and the global peer budget, and
 * how often each made room.
 * @module
 */
import type { TrackerConfig } from './config.ts';
import type { Sample } from './metrics.ts';
import type { EvictionReason, Swarms } from './swarm.ts';

const EVICTION_HELP: Record<EvictionReason, string> = {
  torrent_passkey: 'a passkey at maxTorrentPeersPerPasskey in a torrent',
  torrent_address: 'an address at maxTorrentPeersPerAddress in a torrent',
  passkey: 'a passkey at maxPeersPerPasskey',
  address: 'an address at maxPeersPerAddress',
  budget: 'the global budget maxPeers (from the largest holder)',
  torrent: 'a torrent at maxPeersPerTorrent',
};

type Limits = Pick<
  TrackerConfig,
  'maxPeers' | 'maxPeersPerPasskey' | 'maxPeersPerAddress' | 'maxTorrentPeersPerPasskey' | 'maxTorrentPeersPerAddress' | 'maxPeersPerTorrent'
>;

/** The bounds (gauges) and their evictions (counters). */
export function swarmLimitSamples(swarms: Swarms, limits: Readonly<Limits>): Sample[] {
  const stats = swarms.limitStats();
  const gauge = (name: string, help: string, value: number): Sample => ({ name, help, type: 'gauge', value });
  return [
    gauge('pbts_peer_budget', 'Global peer budget (maxPeers): peers over all torrents.', limits.maxPeers),
    gauge('pbts_max_peers_per_passkey', 'Peers one passkey may hold over all torrents.', limits.maxPeersPerPasskey),
    gauge('pbts_max_peers_per_address', 'Peers one address may hold over all torrents.', limits.maxPeersPerAddress),
    gauge('pbts_max_torrent_peers_per_passkey', 'Peers one passkey may hold in one torrent.', limits.maxTorrentPeersPerPasskey),
    gauge('pbts_max_torrent_peers_per_address', 'Peers one address may hold in one torrent.', limits.maxTorrentPeersPerAddress),
    gauge('pbts_max_peers_per_torrent', 'Peers kept per torrent.', limits.maxPeersPerTorrent),
    gauge('pbts_peer_passkeys', 'Passkeys holding at least one peer.', stats.passkeys),
    gauge('pbts_peer_addresses', 'Addresses holding at least one peer.', stats.addresses),
    ...Object.entries(stats.evictions).map(([reason, value]): Sample => ({
      name: `pbts_peer_evictions_${reason}_total`,
      help: `Peers evicted to make room for ${EVICTION_HELP[reason as EvictionReason]} (the holder's own oldest).`,
      type: 'counter',
      value,
    })),
  ];
}
