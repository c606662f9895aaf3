/**
 * A PBTS peer: the BitTorrent engine with receipts. As a downloader it signs a receipt for each
 * verified piece and sends it to the peer that sent the piece; as an uploader it checks the
 * receipts that come back, keeps them durably in its inbox and reports them to the tracker,
 * and serves each downloader only a bounded lead of pieces ahead of its receipts. Peers without
 * the extension are refused or served as plain BitTorrent, by policy. Without keys it is a
 * plain BitTorrent peer (no extension, no inbox): the "receipts off" side of a comparison.
 * @module
 */
import { EventEmitter } from 'node:events';
import { networkInterfaces } from 'node:os';
import type Wire from 'bittorrent-protocol';
import { TrackerClient } from '../../client/tracker-client.ts';
import { type BlsBackend, currentEpoch, getBackend, type KeyPair, type Receipt } from '../../receipts/index.ts';
import { pbtsExtension, pbtsOf, type PbtsReceiptExtension, type RejectReason } from '../../wire/index.ts';
import { type Metainfo, parseMetainfo, type Peer, pieceSize, Torrent, type UploadDecision } from '../index.ts';
import { Announcer } from './announcer.ts';
import { checkReceipt, receiptable, WINDOW_EPOCHS } from './checks.ts';
import { receiptCrypto, type ReceiptCrypto } from './crypto.ts';
import { Inbox } from './inbox.ts';
import { type Account, Ledger } from './ledger.ts';
import { PieceHashes } from './piece-hashes.ts';
import { Reporter } from './reporter.ts';
import { receiptTarget, type ReceiptTarget, Signer } from './signer.ts';

/** How a PBTS peer treats a peer without the receipt extension. */
export type PlainPeerPolicy = 'serve' | 'refuse';

/** Options of {@link PbtsPeer.open}. */
export interface PbtsPeerOptions {
  /** The .torrent file's bytes. */
  torrent: Uint8Array;
  /** Folder of the torrent's data (a seeder's files; where a downloader writes). */
  dir: string;
  /** Folder of the peer's durable state (the uploader's receipt inbox, SQLite). */
  stateDir: string;
  /** Our BLS key pair; absent: receipts are off (a plain BitTorrent peer: no extension). */
  keys?: KeyPair;
  /** The tracker to announce to and report receipts to (base URL + our passkey); absent: no tracker (peers given directly). */
  tracker?: { url: string; passkey: string };
  /** Peers to connect to directly, besides the tracker's. */
  peers?: { host: string; port: number }[];
  /** Listen port (default 0 = ephemeral) on 127.0.0.1 unless `host` says otherwise. */
  port?: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Upload limit in bytes/s (default none). */
  uploadRate?: number;
  /** Download limit in bytes/s (default none). */
  downloadRate?: number;
  /** Pieces an uploader serves a PBTS peer ahead of the receipts it has received back (default: {@link defaultReceiptLead}). */
  receiptLead?: number;
  /** Peers without the extension (default 'refuse', as a private tracker wants). */
  plainPeers?: PlainPeerPolicy;
  /** The uploader reports when this many receipts are waiting (default 50)... */
  reportBatch?: number;
  /** ...or the oldest has waited this long, ms (default 2000). */
  reportIntervalMs?: number;
}

/** What a peer did so far (this session; the inbox keeps what earlier ones stored). */
export interface PbtsPeerStats {
  /** Payload bytes sent to peers. */
  uploaded: number;
  /** Payload bytes received from peers. */
  downloaded: number;
  /** Pieces we have, verified. */
  piecesVerified: number;
  /** Pieces of the torrent. */
  pieces: number;
  /** Connected peers. */
  peers: number;
  /** Receipts we signed as a downloader. */
  receiptsSigned: number;
  /** Receipts we sent to uploaders (again on request included). */
  receiptsSent: number;
  /** Receipts from downloaders that passed every check and were stored. */
  receiptsReceived: number;
  /** Receipts from downloaders we refused (a `reject` went back). */
  receiptsRejected: number;
  /** Stored receipts the tracker has answered for: credited or refused. */
  receiptsReported: number;
  /** Receipts the tracker credited. */
  receiptsCredited: number;
  /** Bytes the tracker credited us for them. */
  creditedBytes: number;
}

/** Events of a {@link PbtsPeer}. */
export interface PbtsPeerEvents {
  /** The download completed (its receipts signed and handed to the uploaders). */
  done: [];
  /** The stats, about once a second. */
  progress: [PbtsPeerStats];
  /** Something worth telling (a peer refused or misbehaving, the tracker unreachable). */
  warning: [string];
  /** The session failed (storage); without an `error` listener it comes as a warning. */
  error: [Error];
}

/** The default receipt lead covers at least this many bytes of pieces... */
export const RECEIPT_LEAD_BYTES = 16 * 1024 * 1024;
/** ...and at least this many pieces. */
export const MIN_RECEIPT_LEAD = 8;

/**
 * The default receipt lead for pieces of `pieceLength`: 8 pieces or 16 MiB, whichever is more.
 * An honest downloader is never held back when the lead covers what it keeps requested (the
 * engine's 128 blocks, 2 MiB) plus what arrives while its receipts travel back: about 20 ms
 * on loopback here, but a garbage collection or a descheduled worker on a busy 2-core machine
 * stretched some round trips past 80 ms, so with 8 MiB a 100 MB/s transfer was held 1-5% of
 * its time; 16 MiB covers 160 ms at 100 MB/s. 8 small pieces would not cover even the pipeline.
 */
export function defaultReceiptLead(pieceLength: number): number {
  return Math.max(MIN_RECEIPT_LEAD, Math.ceil(RECEIPT_LEAD_BYTES / pieceLength));
}

/** Receipts a downloader may have had refused before it is disconnected (each may cost a verification). */
const MAX_REJECTED = 32;
/**
 * A downloader held back this long is sent a `request` for the oldest receipt it owes, and again
 * as often, ms. Not at once: a receipt is normally in flight, and asking would only get a copy.
 */
const REQUEST_EVERY_MS = 1000;
/** `flushReports` waits at most this long after the last receipt for the receipts still owed, ms. */
const FLUSH_GRACE_MS = 2000;
const PROGRESS_MS = 1000;

/** One connection as the PBTS layer sees it. */
interface Remote {
  readonly wire: Wire;
  readonly peer: Peer;
  ext?: PbtsReceiptExtension;
  /** Whether it speaks PBTS: unknown until its handshakes say. */
  kind: 'unknown' | 'pbts' | 'plain';
  /** Set once it speaks PBTS. */
  target?: ReceiptTarget;
  account?: Account;
  /** Pieces whose receipt from it is being checked or stored (a copy meanwhile is ignored). */
  readonly checking: Set<number>;
  /** Since when its requests are held back (undefined while it is served), and when we last asked it for a receipt. */
  heldSince: number | undefined;
  requestedAt: number;
  warnedReject: boolean;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A BitTorrent peer of one torrent that gives, checks, keeps and reports receipts. */
export class PbtsPeer extends EventEmitter<PbtsPeerEvents> {
  readonly #options: PbtsPeerOptions;
  readonly #metainfo: Metainfo;
  readonly #keys: KeyPair | undefined;
  readonly #backend: BlsBackend;
  readonly #lead: number;
  readonly #plainPeers: PlainPeerPolicy;
  readonly #remotes = new Map<Wire, Remote>();
  readonly #ledger = new Ledger();
  readonly #dialing = new Set<string>();
  readonly #checks = new Set<Promise<void>>();
  readonly #unsaved: { remote: Remote; receipt: Receipt }[] = [];
  readonly #doneWaiters: { resolve(): void; reject(error: Error): void }[] = [];
  readonly #stats = { received: 0, rejected: 0 };
  #torrent!: Torrent;
  #hashes: PieceHashes | undefined;
  #signer: Signer | undefined;
  #crypto: ReceiptCrypto | undefined;
  #inbox: Inbox | undefined;
  #reporter: Reporter | undefined;
  #announcer: Announcer | undefined;
  #address = { host: '', port: 0 };
  #progress: NodeJS.Timeout | undefined;
  #saveScheduled = false;
  #lastReceiptAt = 0;
  #done = false;
  #closed = false;

  /** Opens the peer: checks the data under `dir`, listens, announces `started` (with a tracker) and connects. */
  static async open(options: PbtsPeerOptions): Promise<PbtsPeer> {
    const peer = new PbtsPeer(options);
    try {
      await peer.#start();
    } catch (error) {
      await peer.close().catch(() => {});
      throw error;
    }
    return peer;
  }

  private constructor(options: PbtsPeerOptions) {
    super();
    this.#options = options;
    this.#metainfo = parseMetainfo(options.torrent);
    this.#keys = options.keys;
    this.#backend = getBackend();
    this.#lead = options.receiptLead ?? defaultReceiptLead(this.#metainfo.pieceLength);
    this.#plainPeers = options.plainPeers ?? 'refuse';
    if (!(Number.isInteger(this.#lead) && this.#lead >= 1)) throw new RangeError(`receiptLead must be an integer >= 1, got ${this.#lead}`);
    if (this.#plainPeers !== 'serve' && this.#plainPeers !== 'refuse') throw new RangeError(`plainPeers must be 'serve' or 'refuse', got ${String(this.#plainPeers)}`);
    const { reportBatch, reportIntervalMs } = options;
    if (reportBatch !== undefined && !(Number.isInteger(reportBatch) && reportBatch >= 1)) throw new RangeError(`reportBatch must be an integer >= 1, got ${reportBatch}`);
    if (reportIntervalMs !== undefined && !(reportIntervalMs >= 0)) throw new RangeError(`reportIntervalMs must be >= 0, got ${reportIntervalMs}`);
  }

  /** Where we accept peers. */
  get address(): { host: string; port: number } {
    return this.#address;
  }

  /** What the peer did so far. */
  stats(): PbtsPeerStats {
    const torrent = this.#torrent;
    const reported = this.#reporter?.stats;
    return {
      uploaded: torrent.uploaded,
      downloaded: torrent.downloaded,
      piecesVerified: torrent.have.count,
      pieces: this.#metainfo.pieces.length,
      peers: torrent.peers.length,
      receiptsSigned: this.#signer?.stats.signed ?? 0,
      receiptsSent: this.#signer?.stats.sent ?? 0,
      receiptsReceived: this.#stats.received,
      receiptsRejected: this.#stats.rejected,
      receiptsReported: reported?.reported ?? 0,
      receiptsCredited: reported?.credited ?? 0,
      creditedBytes: reported?.creditedBytes ?? 0,
    };
  }

  /** Resolves when the download is complete (at once for a seeder); rejects if the peer closes first. */
  whenDone(): Promise<void> {
    if (this.#done) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error('the peer closed before the download completed'));
    return new Promise((resolve, reject) => this.#doneWaiters.push({ resolve, reject }));
  }

  /**
   * Resolves when every receipt received so far has been reported and answered (credited or
   * dropped). First it waits, up to 2 s after the last receipt came, for the receipts still owed
   * for pieces connected downloaders got whole from us or announced having: they are on their
   * way. Without a tracker there is nothing to report to: it resolves once they are stored.
   */
  async flushReports(): Promise<void> {
    if (!this.#keys) return;
    const since = Date.now();
    for (;;) {
      await Promise.all(this.#checks);
      this.#save();
      if (!this.#expecting() || Date.now() > Math.max(since, this.#lastReceiptAt) + FLUSH_GRACE_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await this.#reporter?.flush();
  }

  /** Announces `stopped` and closes every connection; pending receipts stay in the inbox for next time. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#progress);
    this.#signer?.close();
    this.#reporter?.close();
    for (const waiter of this.#doneWaiters.splice(0)) waiter.reject(new Error('the peer closed before the download completed'));
    try {
      // Receipts already checked are kept: storing them costs one commit.
      this.#save();
    } finally {
      await this.#announcer?.stop();
      await this.#torrent?.close();
      await this.#crypto?.close();
      this.#inbox?.close();
    }
  }

  async #start(): Promise<void> {
    const options = this.#options;
    const keys = this.#keys;
    const metainfo = this.#metainfo;
    if (keys) this.#inbox = Inbox.open(options.stateDir);
    const hashes = keys ? (this.#hashes = new PieceHashes((index) => this.#torrent!.readPiece(index))) : undefined;
    const torrent = await Torrent.open({
      metainfo,
      dir: options.dir,
      uploadRate: options.uploadRate,
      downloadRate: options.downloadRate,
      ...(keys && hashes
        ? {
            pieceSha256: true,
            onWire: (wire: Wire, peer: Peer) => this.#onWire(wire, peer, keys),
            mayServe: (wire: Wire, index: number) => this.#mayServe(wire, index),
            // The data check reads every piece we have anyway: the receipt hash of each is then
            // known before anyone asks (0.7 ms per MiB at open instead of while serving).
            onIntact: (index: number, data: Uint8Array) => void hashes.hash(index, data),
          }
        : {}),
    });
    this.#torrent = torrent;
    if (keys && hashes) {
      const crypto = (this.#crypto = receiptCrypto(this.#backend, keys));
      this.#signer = new Signer({
        crypto,
        publicKey: keys.publicKey,
        infohash: metainfo.infoHash,
        hashes,
        onError: (error) => this.#warn(`could not sign a receipt: ${error.message}`),
      });
    }
    this.#done = torrent.done;
    torrent.on('piece-verified', ({ index, data, sha256, senders }) => {
      // Kept whoever sent the piece, so serving it later needs no read back to hash it.
      if (sha256) hashes?.set(index, sha256);
      const from = receiptTarget(senders);
      const remote = from && this.#remotes.get(from.wire);
      // Only a peer that speaks PBTS and really sent (most of) the piece gets its receipt.
      if (remote?.target) this.#signer?.add(remote.target, index, data, sha256);
    });
    torrent.on('block-uploaded', ({ peer, index, length }) => {
      const account = this.#remotes.get(peer.wire)?.account;
      if (account && receiptable(pieceSize(metainfo, index))) account.sent(index, length);
    });
    torrent.on('done', () => void this.#finished());
    torrent.on('error', (error) => (this.listenerCount('error') > 0 ? this.emit('error', error) : this.#warn(`error: ${error.message}`)));
    const host = options.host ?? '127.0.0.1';
    const { port } = await torrent.listen(options.port ?? 0, host);
    this.#address = { host, port };
    const tracker = options.tracker;
    if (keys && tracker) {
      const client = new TrackerClient(tracker.url, { backend: this.#backend });
      const crypto = this.#crypto!;
      this.#reporter = new Reporter({
        inbox: this.#inbox!,
        infohash: metainfo.infoHash,
        // The aggregate signature is computed with the other signature work, off the event loop.
        tracker: { report: async (receipts) => client.report(receipts, await crypto.aggregate(receipts.map((r) => r.signature))) },
        batch: options.reportBatch ?? 50,
        intervalMs: options.reportIntervalMs ?? 2000,
        windowEpochs: WINDOW_EPOCHS,
        warn: (message) => this.#warn(message),
      });
    }
    this.#progress = setInterval(() => this.emit('progress', this.stats()), PROGRESS_MS);
    this.#progress.unref();
    if (tracker) {
      this.#announcer = new Announcer({
        url: tracker.url,
        passkey: tracker.passkey,
        infohash: metainfo.infoHash,
        peerId: torrent.peerId,
        port,
        progress: () => ({ uploaded: torrent.uploaded, downloaded: torrent.downloaded, left: this.#left() }),
        onPeers: (peers) => this.#connectAll(peers.map((p) => ({ host: p.ip, port: p.port }))),
        warn: (message) => this.#warn(message),
      });
      await this.#announcer.start();
    }
    this.#connectAll(options.peers ?? []);
  }

  /** A new connection, before our handshake: the extension goes on, and plain peers are told apart. */
  #onWire(wire: Wire, peer: Peer, keys: KeyPair): void {
    const remote: Remote = { wire, peer, kind: 'unknown', checking: new Set(), heldSince: undefined, requestedAt: 0, warnedReject: false };
    this.#remotes.set(wire, remote);
    wire.once('close', () => {
      this.#remotes.delete(wire);
      if (remote.account) remote.account.connections--;
    });
    wire.use(pbtsExtension({ publicKey: keys.publicKey, backend: this.#backend }));
    const ext = pbtsOf(wire)!;
    remote.ext = ext;
    ext.on('ready', ({ publicKey }) => this.#ready(remote, ext, publicKey));
    ext.on('receipt', (receipt) => this.#onReceipts(remote, [receipt]));
    ext.on('batch', (receipts) => this.#onReceipts(remote, receipts));
    ext.on('request', (index) => {
      if (remote.target) this.#signer?.resend(remote.target, index);
    });
    ext.on('reject', (index, reason) => this.#onReject(remote, index, reason));
    ext.on('warning', ({ code, reason }) => this.#warn(`${peer.address}: ${code}: ${reason}; disconnected`));
    // An incoming peer's handshake is in already; an outgoing one's comes later.
    const plainHandshake = () => {
      if (!wire.peerExtensions.extended && remote.kind === 'unknown') remote.kind = 'plain';
    };
    if (wire.peerIdBuffer) plainHandshake();
    else wire.once('handshake', plainHandshake);
    // Emitted after the extension saw the extended handshake: still unknown means it lacks ours.
    wire.on('extended', (name: string) => {
      if (name === 'handshake' && remote.kind === 'unknown') remote.kind = 'plain';
    });
    if (this.#plainPeers === 'refuse') {
      // The engine's choker has no policy hook: a peer not known to speak PBTS stays choked.
      const unchoke = wire.unchoke.bind(wire);
      wire.unchoke = () => {
        if (remote.kind === 'pbts') unchoke();
      };
    }
  }

  #ready(remote: Remote, ext: PbtsReceiptExtension, publicKey: Uint8Array): void {
    const keyHex = hex(publicKey);
    if (keyHex === hex(this.#keys!.publicKey)) {
      // Receipts between one key and itself are worthless (the tracker refuses them).
      remote.kind = 'plain';
      return this.#warn(`${remote.peer.address} announced our own key; treated as a plain peer`);
    }
    const account = this.#ledger.account(keyHex);
    if (account.rejected > MAX_REJECTED) {
      remote.kind = 'plain';
      remote.wire.destroy();
      return;
    }
    account.connections++;
    remote.account = account;
    remote.kind = 'pbts';
    remote.target = { publicKey, keyHex, send: (receipts) => (receipts.length === 1 ? ext.sendReceipt(receipts[0]!) : ext.sendBatch(receipts)) };
  }

  /**
   * Upload policy: plain peers by `plainPeers`; a PBTS peer up to `receiptLead` pieces without
   * receipts, its requests beyond that held until a receipt comes (and the oldest one missing
   * asked for).
   */
  #mayServe(wire: Wire, index: number): UploadDecision {
    const remote = this.#remotes.get(wire);
    if (remote === undefined) return 'refuse';
    if (remote.kind !== 'pbts') return this.#plainPeers === 'serve' ? 'serve' : 'refuse';
    // A piece too small for a receipt is never owed.
    if (!receiptable(pieceSize(this.#metainfo, index))) return 'serve';
    const account = remote.account!;
    if (account.admit(index, this.#lead, (i) => wire.peerPieces.get(i))) {
      remote.heldSince = undefined;
      // Hashed now, while serving it reads the piece through the cache, rather than read back
      // when its receipt comes (by then a lead of pieces later, out of the cache). A failed read
      // is tried again then.
      this.#hashes?.get(index).catch(() => {});
      return 'serve';
    }
    const now = performance.now();
    remote.heldSince ??= now;
    const oldest = account.oldestOwed();
    if (oldest !== undefined && now - remote.heldSince >= REQUEST_EVERY_MS && now - remote.requestedAt >= REQUEST_EVERY_MS) {
      remote.requestedAt = now;
      remote.ext!.sendRequest(oldest);
    }
    return 'wait';
  }

  #onReceipts(remote: Remote, receipts: Receipt[]): void {
    const account = remote.account;
    if (this.#closed || !account || !remote.target) return;
    for (const receipt of receipts) {
      const index = receipt.pieceIndex;
      // A receipt we have, or are checking, again: nothing to do, nothing to blame.
      if (account.hasReceipt(index) || remote.checking.has(index)) continue;
      remote.checking.add(index);
      const check = checkReceipt(receipt, {
        // Asked once every cheaper check passed: the receipt counts toward the lead from now.
        verify: (r) => {
          account.vouch(index);
          this.#torrent!.resume(remote.peer);
          return this.#crypto!.verify(r);
        },
        infohash: this.#metainfo.infoHash,
        senderPk: this.#keys!.publicKey,
        receiverPk: remote.target.publicKey,
        sent: (i) => account.unreceipted(i) > 0,
        pieceSize: (i) => pieceSize(this.#metainfo, i),
        pieceHash: (i) => this.#hashes!.get(i),
        epoch: currentEpoch(),
        windowEpochs: WINDOW_EPOCHS,
      }).then(
        (reason) => (reason === undefined ? this.#accept(remote, receipt) : this.#refuse(remote, index, reason)),
        (error: Error) => {
          remote.checking.delete(index);
          account.unvouch(index);
          this.#warn(`could not check a receipt for piece ${index}: ${error.message}`);
        },
      );
      this.#checks.add(check);
      void check.finally(() => this.#checks.delete(check));
    }
  }

  #refuse(remote: Remote, index: number, reason: RejectReason): void {
    remote.checking.delete(index);
    remote.account!.unvouch(index);
    if (this.#closed) return;
    this.#stats.rejected++;
    remote.ext!.sendReject(index, reason);
    const account = remote.account!;
    if (++account.rejected > MAX_REJECTED) {
      this.#warn(`${remote.peer.address} sent more than ${MAX_REJECTED} bad receipts (last: ${reason}); disconnected`);
      remote.wire.destroy();
    }
  }

  /** A receipt passed: it is stored (in one commit with the others of this turn) before it counts. */
  #accept(remote: Remote, receipt: Receipt): void {
    if (this.#closed) return;
    this.#unsaved.push({ remote, receipt });
    if (this.#saveScheduled) return;
    this.#saveScheduled = true;
    setImmediate(() => this.#save());
  }

  #save(): void {
    this.#saveScheduled = false;
    const batch = this.#unsaved.splice(0);
    if (batch.length === 0 || !this.#inbox) return;
    let added: number;
    try {
      added = this.#inbox.add(batch.map((entry) => entry.receipt));
    } catch (error) {
      for (const { remote, receipt } of batch) {
        remote.checking.delete(receipt.pieceIndex);
        remote.account!.unvouch(receipt.pieceIndex);
      }
      this.#warn(`could not store ${batch.length} receipts: ${(error as Error).message}`);
      return;
    }
    const paid = new Set<Remote>();
    for (const { remote, receipt } of batch) {
      remote.checking.delete(receipt.pieceIndex);
      remote.account!.receipted(receipt.pieceIndex);
      paid.add(remote);
    }
    // Each downloader's lead moved: its held requests may go now.
    for (const remote of paid) this.#torrent.resume(remote.peer);
    this.#stats.received += added;
    this.#lastReceiptAt = Date.now();
    this.#reporter?.poke();
  }

  #onReject(remote: Remote, index: number, reason: RejectReason): void {
    // One warning per connection: a peer can send rejects as fast as the extension lets it.
    if (remote.warnedReject) return;
    remote.warnedReject = true;
    this.#warn(`${remote.peer.address} refused our receipt for piece ${index}: ${reason}`);
  }

  /** Whether a connected downloader owes the receipt of a piece we sent it whole, or that it announced having. */
  #expecting(): boolean {
    for (const remote of this.#remotes.values()) {
      if (!remote.account) continue;
      for (const [index, bytes] of remote.account.owedPieces()) {
        if (bytes > 0 && (bytes >= pieceSize(this.#metainfo, index) || remote.wire.peerPieces.get(index))) return true;
      }
    }
    return false;
  }

  async #finished(): Promise<void> {
    await this.#signer?.idle();
    if (this.#closed || this.#done) return;
    this.#done = true;
    for (const waiter of this.#doneWaiters.splice(0)) waiter.resolve();
    this.emit('done');
    await this.#announcer?.completed();
  }

  /** Bytes still to download. */
  #left(): number {
    const metainfo = this.#metainfo;
    let have = 0;
    for (let index = 0; index < metainfo.pieces.length; index++) if (this.#torrent.have.has(index)) have += pieceSize(metainfo, index);
    return metainfo.length - have;
  }

  #connectAll(peers: readonly { host: string; port: number }[]): void {
    const connected = new Set(this.#torrent.peers.filter((p) => p.outgoing).map((p) => p.address));
    for (const { host, port } of peers) {
      const address = `${host}:${port}`;
      if (this.#closed || this.#dialing.has(address) || connected.has(address) || this.#isSelf(host, port)) continue;
      this.#dialing.add(address);
      this.#torrent
        .connect(host, port)
        .catch((error: Error) => this.#closed || this.#warn(`could not connect to ${address}: ${error.message}`))
        .finally(() => this.#dialing.delete(address));
    }
  }

  #isSelf(host: string, port: number): boolean {
    if (port !== this.#address.port) return false;
    const local = new Set(['127.0.0.1', '::1', '0.0.0.0', '::', this.#address.host]);
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) local.add(a.address);
    return local.has(host);
  }

  #warn(message: string): void {
    this.emit('warning', message);
  }
}
