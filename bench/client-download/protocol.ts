/**
 * How the bench drives its peer processes (`peer-process.ts`): the configuration a process
 * starts with (one JSON argument), the commands it reads (one JSON object per stdin line) and
 * the events it writes (one JSON object per stdout line).
 * @module
 */
import type { PbtsPeerOptions } from '../../src/peer/pbts/index.ts';

/**
 * A peer process's configuration: the peer's options that survive JSON as they are, with the
 * torrent as a path and the key as hex instead of bytes.
 */
export interface PeerConfig
  extends Pick<PbtsPeerOptions, 'dir' | 'stateDir' | 'tracker' | 'peers' | 'uploadRate' | 'receiptLead' | 'reportBatch' | 'reportIntervalMs'> {
  role: 'seeder' | 'downloader';
  /** Path of the .torrent file. */
  torrent: string;
  /** Our BLS secret key, hex; absent: receipts off (a plain BitTorrent peer). */
  secretKey?: string;
}

/** The counters of `PbtsPeerStats` the bench reads. */
export interface PeerCounters {
  uploaded: number;
  downloaded: number;
  piecesVerified: number;
  pieces: number;
  receiptsSigned: number;
  receiptsSent: number;
  receiptsReceived: number;
  receiptsRejected: number;
  receiptsReported: number;
  receiptsCredited: number;
  creditedBytes: number;
}

/**
 * Commands. `start`: the downloader opens its peer and downloads; `flush`: the seeder waits for
 * `expected` receipts, then for their reports; `stats`: the counters now (answered at once, also
 * while another command runs).
 */
export type PeerCommand = { cmd: 'start' } | { cmd: 'flush'; expected: number; timeoutMs: number } | { cmd: 'stats' } | { cmd: 'close' };

/** Events. */
export type PeerEvent =
  /** Modules loaded (a downloader waits for `start`), or, for a seeder, its peer is open and listening. */
  | { event: 'ready'; address?: { host: string; port: number } }
  /** The downloader has every piece: its time from opening its peer, how long the opening took (data check, listen, announce), and its counters. */
  | { event: 'done'; elapsed_s: number; open_s: number; stats: PeerCounters }
  /** The seeder's receipts are reported and answered (or `expected` never arrived: `missing`). */
  | { event: 'flushed'; waited_ms: number; missing: number; stats: PeerCounters }
  /** The answer to `stats`; null before the peer is open. */
  | { event: 'stats'; stats: PeerCounters | null }
  | { event: 'warning'; message: string }
  | { event: 'error'; message: string };
