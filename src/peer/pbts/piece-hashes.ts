/**
 * SHA-256 of each piece's data, the hash a receipt signs: known once per piece, from the receipt
 * a downloader signed for it or, for pieces we had, read back (through the upload cache) and
 * hashed when the first receipt for it needs checking. At most one 32-byte hash per piece is kept.
 * @module
 */
import { createHash } from 'node:crypto';

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** The piece hashes of one torrent. */
export class PieceHashes {
  readonly #known = new Map<number, Uint8Array>();
  readonly #reading = new Map<number, Promise<Uint8Array>>();

  /** `read(index)` returns a piece's data (from storage); `hash` its SHA-256 (off the event loop, say). */
  constructor(
    private readonly read: (index: number) => Promise<Uint8Array>,
    private readonly hash: (data: Uint8Array) => Promise<Uint8Array> = async (data) => sha256(data),
  ) {}

  /** Keeps the hash of piece `index`, known another way (the receipt we signed for it). */
  set(index: number, hash: Uint8Array): void {
    this.#known.set(index, hash);
  }

  /** The hash of piece `index`, read and hashed the first time. */
  get(index: number): Promise<Uint8Array> {
    const known = this.#known.get(index);
    if (known) return Promise.resolve(known);
    let reading = this.#reading.get(index);
    if (!reading) {
      reading = this.read(index)
        .then((data) => this.hash(data))
        .then((hash) => {
          this.#known.set(index, hash);
          return hash;
        });
      this.#reading.set(index, reading);
      // Forgotten once settled, so a failed read is tried again next time.
      const forget = () => this.#reading.delete(index);
      reading.then(forget, forget);
    }
    return reading;
  }
}
