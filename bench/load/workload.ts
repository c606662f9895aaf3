/**
 * The load experiment's workload, shared by the bench, the generator and the signers: announce
 * paths over many torrents and peers, and reports of fresh receipts. Everything derives from a
 * per-session seed, so every process builds the same torrents, peers and keys.
 * @module
 */
import { createHash } from 'node:crypto';
import { percentEncode } from '../../src/client/announce.ts';
import { aggregateReceipts, type BlsBackend, type KeyPair, keyPairFromSeed, signReceipt } from '../../src/receipts/index.ts';
import { encodeReport } from '../../src/receipts/report-codec.ts';

/** Peers each announce asks for (the default of both trackers, sent explicitly). */
export const NUMWANT = 50;
/** The generator's per-request timeout, seconds. */
export const REQUEST_TIMEOUT_S = 10;
/** Signed size of every receipt's piece. */
export const PIECE_SIZE = 256 * 1024;

/** What the generator needs to build announce paths. */
export interface AnnounceSpec {
  seed: string;
  torrents: number;
  peersPerTorrent: number;
  /** Passkeys of registered users (peer p belongs to user p mod n); null: `/announce` (open tracker). */
  passkeys: string[] | null;
}

/** The 20-byte info hash of torrent `t`. */
export function infohash(seed: string, t: number): Uint8Array {
  return createHash('sha1').update(`${seed}:torrent:${t}`).digest();
}

/**
 * Announce paths of the P = torrents x peersPerTorrent peers: peer p is in torrent p mod
 * torrents (so neighbouring peers hit different torrents) and always keeps its peer id, port and
 * user; a quarter of the peers are seeders. `started` adds the event a peer sends first;
 * later announces are regular updates without an event.
 */
export function announcePaths(spec: AnnounceSpec): { peers: number; path: (p: number, started: boolean) => string } {
  const { torrents, peersPerTorrent, passkeys } = spec;
  const peers = torrents * peersPerTorrent;
  const hashes = Array.from({ length: torrents }, (_, t) => percentEncode(infohash(spec.seed, t)));
  return {
    peers,
    path(p, started) {
      const slot = Math.floor(p / torrents);
      const route = passkeys ? `/announce/${passkeys[p % passkeys.length]}` : '/announce';
      const peerId = `-PB0100-${p.toString(36).padStart(12, '0')}`;
      const left = slot % 4 === 0 ? 0 : 1_048_576 * (1 + (slot % 7));
      return (
        `${route}?info_hash=${hashes[p % torrents]}&peer_id=${peerId}&port=${6881 + slot}&uploaded=0&downloaded=0` +
        `&left=${left}&numwant=${NUMWANT}&compact=1${started ? '&event=started' : ''}`
      );
    },
  };
}

/** Parameters of a run of reports; report g is the same whichever process signs it. */
export interface ReportJob {
  seed: string;
  users: number;
  torrents: number;
  receiptsPerReport: number;
  epoch: number;
  /** Global index of the first report. */
  first: number;
  count: number;
}

/** The users' key pairs, the i-th from the session seed. */
export function userKeys(backend: BlsBackend, seed: string, users: number): KeyPair[] {
  return Array.from({ length: users }, (_, i) => keyPairFromSeed(backend, seed, i));
}

/**
 * The JSON body of report g: sender g mod users, receipts from the next receiptsPerReport users
 * (distinct, never the sender), each over its own piece, so every receipt id is new.
 */
export function reportBody(backend: BlsBackend, job: ReportJob, keys: readonly KeyPair[], g: number): string {
  const sender = keys[g % job.users]!;
  const hash = infohash(job.seed, g % job.torrents);
  const receipts = Array.from({ length: job.receiptsPerReport }, (_, j) => {
    const receiver = keys[(g + 1 + j) % job.users]!;
    const pieceIndex = g * job.receiptsPerReport + j;
    return signReceipt(
      backend,
      {
        infohash: hash,
        senderPk: sender.publicKey,
        receiverPk: receiver.publicKey,
        pieceHash: createHash('sha256').update(`${job.seed}:piece:${pieceIndex}`).digest(),
        pieceIndex,
        pieceSize: PIECE_SIZE,
        epoch: job.epoch,
      },
      receiver.secretKey,
    );
  });
  return encodeReport(receipts, aggregateReceipts(backend, receipts));
}
