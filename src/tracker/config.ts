/**
 * Tracker configuration: announce timing, swarm bounds, proxy trust and the PBTS accounting
 * parameters, with defaults and validation.
 * @module
 */
import { getHeapStatistics } from 'node:v8';
import { peerBudgetForHeap } from './swarm.ts';

/** Every setting of a tracker; build one with {@link resolveConfig}. */
export interface TrackerConfig {
  /** Seconds a client should wait between regular announces (`interval`). */
  interval: number;
  /** Seconds a client must wait at least between announces (`min interval`); half the interval unless given. */
  minInterval: number;
  /** Peers returned when the announce has no `numwant`. */
  defaultNumwant: number;
  /** Upper bound on peers returned by one announce, whatever `numwant` asks. */
  maxNumwant: number;
  /** Seconds after its last announce a peer is dropped (by default {@link peerTtlFor} the interval). */
  peerTtlSeconds: number;
  /** Torrents kept in memory; past it the least recently announced torrent is dropped. */
  maxTorrents: number;
  /** Peers kept per torrent; past it the oldest peer of the torrent's largest holder (passkey or address) is dropped. */
  maxPeersPerTorrent: number;
  /** Peers one passkey may hold in one torrent; past it that passkey's own oldest peer there is dropped. */
  maxTorrentPeersPerPasskey: number;
  /** Peers one address may hold in one torrent; past it that address's own oldest peer there is dropped. */
  maxTorrentPeersPerAddress: number;
  /** Peers one passkey may hold over all torrents; past it that passkey's own oldest peer is dropped. */
  maxPeersPerPasskey: number;
  /** Peers one address may hold over all torrents; past it that address's own oldest peer is dropped. */
  maxPeersPerAddress: number;
  /** Peers over all torrents (the memory bound); when full, the largest holder's oldest peer is dropped. Default: half the heap. */
  maxPeers: number;
  /** Open connections one client address may hold to the HTTP server; more are closed at once. */
  maxConnectionsPerAddress: number;
  /** Honour `X-Forwarded-For`/`X-Real-IP`: false, true (any socket peer), or the proxy IPs to trust. */
  trustProxy: boolean | readonly string[];
  /** `private` gates announces on a passkey through the hooks; `open` accepts everyone. */
  mode: 'private' | 'open';
  /** Upload/download ratio below which a `started` announce is refused. */
  minRatio: number;
  /** Bytes of download credit a new user starts with, so a first download is possible. */
  initialCredit: number;
  /** Epoch length W in seconds (receipt epochs are floor(unix seconds / W)). */
  epochSeconds: number;
  /** Acceptance window Delta in epochs: receipts older than this are refused. */
  windowEpochs: number;
  /** Report bytes one address (an IPv6 /64) may send per second (a token bucket, burst the larger of this and 2 MiB). */
  reportBytesPerSecond: number;
  /** Receipts one address may have waiting for or in verification. */
  verifyPendingPerAddress: number;
  /** Receipts one sender may have waiting for or in verification. */
  verifyPendingPerSender: number;
  /** Refused reports remembered (by body digest, and failed verifications by content digest), each. */
  failedReportCache: number;
  /**
   * Who may register: `open` (anyone with a key and its proof of possession), `invite` (also an
   * unused admin-issued invite code, consumed by the registration) or `closed` (the admin only).
   * The admin token registers under every policy.
   */
  registration: RegistrationPolicy;
  /** Refused registrations (bad key, bad signature or proof, bad invite) one address (IPv6: /64) may make in a burst. */
  registrationRefusalBurst: number;
  /** Refused registrations one address regains per minute after its burst (a token bucket). */
  registrationRefusalsPerMinute: number;
  /** Registrations whose signatures are verified at once over all addresses, per verifier thread; more are refused `503`. */
  registrationChecksPerVerifier: number;
  /** Token required by admin routes; undefined disables them. */
  adminToken: string | undefined;
  /** Directory holding the tracker's durable state (SQLite database). */
  dataDir: string;
}

/** The registration policies of {@link TrackerConfig.registration}. */
export const REGISTRATION_POLICIES = ['open', 'invite', 'closed'] as const;
export type RegistrationPolicy = (typeof REGISTRATION_POLICIES)[number];

const DEFAULT_INTERVAL = 1800;

/**
 * The longest real clients wait between regular announces, however short `interval` is:
 * rTorrent never re-announces sooner than 600 s (libtorrent-rakshasa's least normal interval),
 * libtorrent (qBittorrent, Deluge) not sooner than 300 s (its `min_announce_interval`); aria2
 * announces every `min interval`.
 */
export const SLOWEST_CLIENT_PERIOD = 600;

/**
 * The default peer TTL for an announce interval: a peer that missed one announce (a network
 * hiccup) is still listed, one that missed two is gone. Counted from the period the slowest
 * client really keeps, not the interval alone: with `--interval 60` a TTL of two intervals
 * dropped live qBittorrent peers between their 300 s announces.
 */
export function peerTtlFor(interval: number): number {
  return 2 * Math.max(interval, SLOWEST_CLIENT_PERIOD) + 120;
}

// Half the interval, as the default 1800/900 (a fixed 900 refuses every interval below it).
// aria2 re-announces every `min interval`: twice an interval.
function minIntervalFor(interval: number): number {
  return Math.max(1, Math.floor(interval / 2));
}

/** The defaults: private mode, 30-minute interval, bounded swarms, no proxy trust. */
export const defaultConfig: Readonly<TrackerConfig> = Object.freeze({
  interval: DEFAULT_INTERVAL,
  minInterval: minIntervalFor(DEFAULT_INTERVAL),
  defaultNumwant: 50,
  maxNumwant: 200,
  peerTtlSeconds: peerTtlFor(DEFAULT_INTERVAL),
  maxTorrents: 100_000,
  maxPeersPerTorrent: 50_000,
  maxTorrentPeersPerPasskey: 32,
  maxTorrentPeersPerAddress: 64,
  maxPeersPerPasskey: 10_000,
  maxPeersPerAddress: 50_000,
  maxPeers: peerBudgetForHeap(getHeapStatistics().heap_size_limit),
  maxConnectionsPerAddress: 256,
  trustProxy: false,
  mode: 'private',
  minRatio: 0.5,
  initialCredit: 1024 ** 3,
  epochSeconds: 3600,
  windowEpochs: 24,
  reportBytesPerSecond: 8 * 1024 ** 2,
  verifyPendingPerAddress: 16_384,
  verifyPendingPerSender: 4096,
  failedReportCache: 4096,
  registration: 'open',
  registrationRefusalBurst: 10,
  registrationRefusalsPerMinute: 6,
  registrationChecksPerVerifier: 4,
  adminToken: undefined,
  dataDir: 'data',
});

/**
 * Defaults overlaid with `partial`; `minInterval` and `peerTtlSeconds` follow a custom `interval`
 * unless given. Throws an Error naming the first invalid field.
 */
export function resolveConfig(partial: Partial<TrackerConfig> = {}): Readonly<TrackerConfig> {
  const interval = partial.interval ?? DEFAULT_INTERVAL;
  const config: TrackerConfig = {
    ...defaultConfig,
    minInterval: minIntervalFor(interval),
    peerTtlSeconds: peerTtlFor(interval),
    ...stripUndefined(partial),
  };
  const positiveInts = [
    'interval',
    'minInterval',
    'defaultNumwant',
    'maxNumwant',
    'peerTtlSeconds',
    'maxTorrents',
    'maxPeersPerTorrent',
    'maxTorrentPeersPerPasskey',
    'maxTorrentPeersPerAddress',
    'maxPeersPerPasskey',
    'maxPeersPerAddress',
    'maxPeers',
    'maxConnectionsPerAddress',
    'epochSeconds',
    'windowEpochs',
    'reportBytesPerSecond',
    'verifyPendingPerAddress',
    'verifyPendingPerSender',
    'failedReportCache',
    'registrationRefusalBurst',
    'registrationRefusalsPerMinute',
    'registrationChecksPerVerifier',
  ] as const;
  for (const field of positiveInts) {
    const value = config[field];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`invalid tracker config: ${field} must be a positive integer, got ${String(value)}`);
    }
  }
  if (config.minInterval > config.interval) {
    throw new Error('invalid tracker config: minInterval must not exceed interval');
  }
  if (config.defaultNumwant > config.maxNumwant) {
    throw new Error('invalid tracker config: defaultNumwant must not exceed maxNumwant');
  }
  if (config.mode !== 'private' && config.mode !== 'open') {
    throw new Error(`invalid tracker config: mode must be 'private' or 'open', got ${String(config.mode)}`);
  }
  if (!(REGISTRATION_POLICIES as readonly unknown[]).includes(config.registration)) {
    throw new Error(`invalid tracker config: registration must be 'open', 'invite' or 'closed', got ${String(config.registration)}`);
  }
  if (!(config.minRatio >= 0) || !Number.isFinite(config.minRatio)) {
    throw new Error('invalid tracker config: minRatio must be a non-negative number');
  }
  if (!Number.isSafeInteger(config.initialCredit) || config.initialCredit < 0) {
    throw new Error('invalid tracker config: initialCredit must be a non-negative integer');
  }
  if (typeof config.trustProxy !== 'boolean' && !Array.isArray(config.trustProxy)) {
    throw new Error('invalid tracker config: trustProxy must be a boolean or a list of IP addresses');
  }
  if (config.adminToken !== undefined && config.adminToken.length === 0) {
    throw new Error('invalid tracker config: adminToken must not be empty (leave it undefined to disable admin routes)');
  }
  return Object.freeze(config);
}

// `{ interval: undefined }` (an unset CLI flag, say) must not erase a default.
function stripUndefined(partial: Partial<TrackerConfig>): Partial<TrackerConfig> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(partial)) if (value !== undefined) out[key] = value;
  return out as Partial<TrackerConfig>;
}
