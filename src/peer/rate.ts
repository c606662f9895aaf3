/**
 * A token bucket for one direction of a link (bytes per second), kept as the time the bucket
 * would be empty again (GCRA), so several peers drawing on one bucket queue behind each other
 * instead of all spending the same tokens.
 * @module
 */

/** Limits a byte stream to `rate` bytes/s with bursts of up to `burst` bytes. */
export class TokenBucket {
  /** When all bytes taken so far have been paid for, in ms on `performance.now()`'s clock. */
  #paidUntil: number;
  readonly #burstMs: number;

  /**
   * `burst` defaults to 20 ms worth (at least two 16 KiB blocks): small, so that a transfer of
   * a few seconds stays within a few percent of `rate` even when it starts on a full bucket.
   */
  constructor(
    readonly rate: number,
    burst = Math.max(32 * 1024, rate / 50),
  ) {
    if (!(rate > 0)) throw new RangeError(`rate must be positive, not ${rate}`);
    this.#burstMs = (burst / rate) * 1000;
    // It starts empty: a transfer's first second is then already at the rate, not rate + burst.
    this.#paidUntil = performance.now() + this.#burstMs;
  }

  /** Takes `bytes` and returns how many ms to wait before sending (or after receiving) them. */
  take(bytes: number): number {
    const now = performance.now();
    this.#paidUntil = Math.max(this.#paidUntil, now) + (bytes / this.rate) * 1000;
    const wait = this.#paidUntil - now - this.#burstMs;
    // Below a microsecond is floating-point residue (5.7e-14 ms seen with the burst used exactly): no wait.
    return wait < 1e-3 ? 0 : wait;
  }
}
