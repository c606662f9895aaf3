/**
 * Which blocks to request from which peer, and the pieces being assembled from them. A peer
 * first finishes the pieces it started, then starts the rarest piece it has, then helps with
 * other peers' pieces, and at the very end (endgame) asks for blocks already asked of others;
 * so most pieces come from one peer, which keeps a piece's receipt with one sender.
 * No I/O: the engine sends the requests and hashes the pieces.
 * @module
 */
import { Bitfield } from './bitfield.ts';

/** Bytes per requested block, as every client uses. */
export const BLOCK_LENGTH = 16 * 1024;

/** Piece buffers kept for reuse: more than are settled at once (hashing, storing) at full speed. */
const MAX_SPARE = 8;

/** One block to request. */
export interface BlockRequest {
  readonly index: number;
  readonly offset: number;
  readonly length: number;
}

/** Bytes of one piece that one peer sent. */
export interface PieceSender<P> {
  readonly peer: P;
  readonly bytes: number;
}

/** A piece whose blocks have all arrived, to be hashed. */
export interface AssembledPiece<P> {
  readonly index: number;
  readonly data: Buffer;
  /** Who sent which block, in block order. */
  readonly blockSenders: readonly P[];
}

interface Block<P> {
  received: boolean;
  /** Peers asked for it and not answered yet (more than one only in endgame). */
  holders: P[];
  from?: P;
  /** The peer whose request for it timed out: others are asked first. */
  slow?: P;
}

interface Active<P> {
  index: number;
  /** The peer that started it (undefined once it left); it gets the piece's blocks first. */
  owner: P | undefined;
  data: Buffer;
  blocks: Block<P>[];
  missing: number;
}

/** Tuning of a `Picker`. */
export interface PickerOptions {
  /** Most bytes of pieces in progress held in memory (at least one piece is allowed). */
  maxActiveBytes?: number;
  /** Most peers asked for one block at once in endgame. */
  endgameHolders?: number;
  /** Makes a new piece buffer of `size` bytes (default `Buffer.allocUnsafeSlow`). */
  allocate?: (size: number) => Buffer;
}

/** Download bookkeeping for one torrent, generic over the caller's peer type. */
export class Picker<P> {
  /** Pieces verified and stored. */
  readonly have: Bitfield;
  /** How many connected peers have each piece. */
  readonly #availability: Uint32Array;
  readonly #active = new Map<number, Active<P>>();
  /** Pieces hashed or being stored: neither missing nor requestable. */
  readonly #settling = new Set<number>();
  readonly #sizes: (index: number) => number;
  readonly #maxActiveBytes: number;
  readonly #endgameHolders: number;
  readonly #allocate: (size: number) => Buffer;
  /** Buffers of settled full-size pieces, for the next pieces (see `recycle`). */
  readonly #spare: Buffer[] = [];
  #activeBytes = 0;

  constructor(have: Bitfield, pieceSize: (index: number) => number, options: PickerOptions = {}) {
    this.have = have;
    this.#availability = new Uint32Array(have.size);
    this.#sizes = pieceSize;
    this.#maxActiveBytes = options.maxActiveBytes ?? 64 * 1024 * 1024;
    this.#endgameHolders = options.endgameHolders ?? 2;
    this.#allocate = options.allocate ?? Buffer.allocUnsafeSlow;
  }

  /** Whether every piece is verified. */
  get done(): boolean {
    return this.have.full;
  }

  /** Counts a peer's piece (a bitfield, have or have-all) towards rarity. */
  addAvailability(index: number): void {
    this.#availability[index]!++;
  }

  /** Forgets a piece of a peer that left. */
  removeAvailability(index: number): void {
    if (this.#availability[index]! > 0) this.#availability[index]!--;
  }

  /** Whether we still want piece `index` (not verified, not being verified). */
  wants(index: number): boolean {
    return index >= 0 && index < this.have.size && !this.have.has(index) && !this.#settling.has(index);
  }

  /**
   * Reserves up to `count` blocks for `peer`, which has the pieces `peerHas` says, and returns
   * them in the order to request them.
   */
  pick(peer: P, peerHas: (index: number) => boolean, count: number): BlockRequest[] {
    const picked: BlockRequest[] = [];
    if (count <= 0 || this.done) return picked;
    const take = (piece: Active<P>, endgame: boolean) => {
      for (let i = 0; i < piece.blocks.length && picked.length < count; i++) {
        const block = piece.blocks[i]!;
        if (block.received || block.holders.includes(peer) || (!endgame && block.slow === peer)) continue;
        if (endgame ? block.holders.length >= this.#endgameHolders : block.holders.length > 0) continue;
        block.holders.push(peer);
        const offset = i * BLOCK_LENGTH;
        picked.push({ index: piece.index, offset, length: Math.min(BLOCK_LENGTH, piece.data.length - offset) });
      }
    };
    const usable = (piece: Active<P>) => peerHas(piece.index);
    // 1. Its own pieces (and those whose peer left), except blocks it was too slow for.
    for (const piece of this.#active.values()) {
      if (picked.length >= count) return picked;
      if (piece.owner === undefined && usable(piece)) piece.owner = peer;
      if (piece.owner === peer) take(piece, false);
    }
    // 2. New pieces, rarest first.
    while (picked.length < count) {
      const index = this.#rarest(peerHas);
      if (index === -1) break;
      take(this.#start(index, peer), false);
    }
    // 3. Others' pieces: blocks nobody is asked for (say, those a slow peer timed out on).
    for (const piece of this.#active.values()) {
      if (picked.length >= count) return picked;
      if (piece.owner !== peer && usable(piece)) take(piece, false);
    }
    // 4. Endgame: every missing block is asked for; ask once more where that may be faster.
    if (picked.length < count && this.#allStarted()) {
      for (const piece of this.#active.values()) {
        if (picked.length >= count) break;
        if (usable(piece)) take(piece, true);
      }
    }
    return picked;
  }

  /**
   * Stores a block `peer` sent. Returns undefined for a block nobody asked `peer` for (dropped);
   * else the peers still asked for the same block (to cancel) and, once all blocks are in, the
   * assembled piece, which then waits for `verified` or `failed`.
   */
  receive(peer: P, index: number, offset: number, data: Uint8Array): { cancel: P[]; piece?: AssembledPiece<P> } | undefined {
    const piece = this.#active.get(index);
    const block = piece && offset % BLOCK_LENGTH === 0 ? piece.blocks[offset / BLOCK_LENGTH] : undefined;
    if (!piece || !block || block.received || !block.holders.includes(peer)) return undefined;
    if (data.length !== Math.min(BLOCK_LENGTH, piece.data.length - offset)) return undefined;
    piece.data.set(data, offset);
    block.received = true;
    block.from = peer;
    const cancel = block.holders.filter((holder) => holder !== peer);
    block.holders = [];
    if (--piece.missing > 0) return { cancel };
    this.#active.delete(index);
    this.#activeBytes -= piece.data.length;
    this.#settling.add(index);
    return { cancel, piece: { index, data: piece.data, blockSenders: piece.blocks.map((b) => b.from!) } };
  }

  /** Frees a block asked of `peer` that will not come (rejected, cancelled, choked, lost). */
  release(peer: P, index: number, offset: number, slow = false): void {
    const block = this.#active.get(index)?.blocks[offset / BLOCK_LENGTH];
    if (!block) return;
    const at = block.holders.indexOf(peer);
    if (at !== -1) block.holders.splice(at, 1);
    if (slow) block.slow = peer;
  }

  /** Frees everything asked of a peer that left, and hands its pieces to whoever goes on. */
  removePeer(peer: P, peerHas: (index: number) => boolean): void {
    for (let index = 0; index < this.have.size; index++) if (peerHas(index)) this.removeAvailability(index);
    for (const piece of this.#active.values()) {
      if (piece.owner === peer) piece.owner = undefined;
      for (const block of piece.blocks) {
        const at = block.holders.indexOf(peer);
        if (at !== -1) block.holders.splice(at, 1);
      }
    }
  }

  /** Piece `index` matched its hash and is stored. */
  verified(index: number): void {
    this.#settling.delete(index);
    this.have.set(index);
  }

  /**
   * Takes back an assembled piece's buffer, stored and done with, for a later piece. A fresh
   * 1 MiB buffer per piece cost a downloader at 100 MB/s about 15% of its CPU in page faults
   * and garbage collection; every byte of a reused one is overwritten before it is assembled.
   */
  recycle(data: Buffer): void {
    if (data.length === this.#sizes(0) && this.#spare.length < MAX_SPARE) this.#spare.push(data);
  }

  /** Piece `index` failed its hash (or could not be stored): it is missing again. */
  failed(index: number): void {
    this.#settling.delete(index);
  }

  /** Whether a peer that has these pieces has one we want. */
  interesting(peerHas: (index: number) => boolean): boolean {
    for (let index = 0; index < this.have.size; index++) if (peerHas(index) && this.wants(index)) return true;
    return false;
  }

  #start(index: number, owner: P): Active<P> {
    const size = this.#sizes(index);
    const blocks: Block<P>[] = [];
    for (let offset = 0; offset < size; offset += BLOCK_LENGTH) blocks.push({ received: false, holders: [] });
    const spare = size === this.#sizes(0) ? this.#spare.pop() : undefined;
    const piece: Active<P> = { index, owner, data: spare ?? this.#allocate(size), blocks, missing: blocks.length };
    this.#active.set(index, piece);
    this.#activeBytes += size;
    return piece;
  }

  /** The rarest wanted, unstarted piece the peer has (random among equals), or -1. */
  #rarest(peerHas: (index: number) => boolean): number {
    const size = this.have.size;
    if (this.#active.size > 0 && this.#activeBytes >= this.#maxActiveBytes) return -1;
    let best = -1;
    let bestCount = Infinity;
    const start = Math.floor(Math.random() * size);
    for (let step = 0; step < size; step++) {
      const index = (start + step) % size;
      const count = this.#availability[index]!;
      if (count >= bestCount || this.#active.has(index) || !this.wants(index) || !peerHas(index)) continue;
      // The bound holds for every piece size (the last piece is shorter); one piece always fits.
      if (this.#active.size > 0 && this.#activeBytes + this.#sizes(index) > this.#maxActiveBytes) continue;
      best = index;
      bestCount = count;
      if (count <= 1) break;
    }
    return best;
  }

  #allStarted(): boolean {
    return this.have.count + this.#settling.size + this.#active.size === this.have.size;
  }
}
