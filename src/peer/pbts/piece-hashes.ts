/**
 * SHA-256 of each piece's data, the hash a receipt signs: known once per piece, from the engine
 * (a downloaded piece, hashed with its SHA-1 off the event loop), from a seeder's data check at
 * open, or else read back (through the upload cache, chunk by chunk, without joining them) when
 * a piece is first served. At most one 32-byte hash per piece is kept.
 * @module
 */
import { createHash } from 'node:crypto';

/** SHA-256 of `parts`, one after the other. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** The piece hashes of one torrent. */
export class PieceHashes {
  readonly #known = new Map<number, Uint8Array>();
  readonly #reading = new Map<number, Promise<Uint8Array>>();

  /** `read(index)` returns a piece's data (from storage) in consecutive parts. */
  constructor(private readonly read: (index: number) => Promise<readonly Uint8Array[]>) {}

  /** Hashes and keeps piece `index`, whose verified `data` we hold. */
  hash(index: number, data: Uint8Array): Uint8Array {
    return this.set(index, sha256(data));
  }

  /** Keeps the hash of piece `index`, computed elsewhere from its verified data. */
  set(index: number, hash: Uint8Array): Uint8Array {
    this.#known.set(index, hash);
    return hash;
  }

  /** The hash of piece `index`, read and hashed the first time. */
  get(index: number): Promise<Uint8Array> {
    const known = this.#known.get(index);
    if (known) return Promise.resolve(known);
    let reading = this.#reading.get(index);
    if (!reading) {
      reading = this.read(index).then((parts) => {
        const hash = sha256(...parts);
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
