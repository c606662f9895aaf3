/**
 * SHA-256 of each piece's data, the hash a receipt signs: computed once per piece, from the
 * data a downloader just verified or, for pieces we had, read back from storage when the first
 * receipt for it needs checking. At most one 32-byte hash per piece is kept.
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

  /** `read(index)` returns a piece's data (from storage). */
  constructor(private readonly read: (index: number) => Promise<Uint8Array>) {}

  /** Hashes the data of piece `index` (just verified) and keeps the hash. */
  hash(index: number, data: Uint8Array): Uint8Array {
    const hash = sha256(data);
    this.#known.set(index, hash);
    return hash;
  }

  /** The hash of piece `index`, read and hashed the first time. */
  get(index: number): Promise<Uint8Array> {
    const known = this.#known.get(index);
    if (known) return Promise.resolve(known);
    let reading = this.#reading.get(index);
    if (!reading) {
      reading = this.read(index).then((data) => this.hash(index, data));
      this.#reading.set(index, reading);
      // Forgotten once settled, so a failed read is tried again next time.
      const forget = () => this.#reading.delete(index);
      reading.then(forget, forget);
    }
    return reading;
  }
}
