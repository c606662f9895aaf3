/**
 * A fixed-size set of piece indices in the wire's bitfield layout (BEP 3: piece 0 is the high
 * bit of byte 0), so `bytes` can go on the wire as it is.
 * @module
 */

/** Which of `size` pieces are set. */
export class Bitfield {
  /** The wire layout; spare bits at the end stay zero. */
  readonly bytes: Uint8Array;
  #count = 0;

  constructor(readonly size: number) {
    this.bytes = new Uint8Array(Math.ceil(size / 8));
  }

  /** Whether `index` is set (false outside 0..size-1). */
  has(index: number): boolean {
    if (!(index >= 0 && index < this.size)) return false;
    return (this.bytes[index >> 3]! & (0x80 >> (index & 7))) !== 0;
  }

  /** Sets or clears `index`; returns whether that changed anything. */
  set(index: number, value = true): boolean {
    if (!(Number.isInteger(index) && index >= 0 && index < this.size) || this.has(index) === value) return false;
    this.bytes[index >> 3]! ^= 0x80 >> (index & 7);
    this.#count += value ? 1 : -1;
    return true;
  }

  /** How many are set. */
  get count(): number {
    return this.#count;
  }

  /** Whether all are set. */
  get full(): boolean {
    return this.#count === this.size;
  }
}
