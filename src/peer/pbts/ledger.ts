/**
 * The uploader's account of each downloader, by the public key it announced: the pieces we
 * serve it whose receipt has not come back (owed, oldest first) and those whose receipt has.
 * The incentive reads it: a downloader is served new pieces only while it owes fewer than the
 * lead. Kept by key rather than by connection, so reconnecting does not wipe a debt.
 * @module
 */

/** Most accounts kept for downloaders no longer connected; the least recently used go first. */
export const MAX_IDLE_ACCOUNTS = 1024;

/** One downloader's account. */
export class Account {
  /** Pieces admitted (served, or about to be) without a receipt back, and the bytes sent of each; oldest first. */
  readonly #owed = new Map<number, number>();
  readonly #receipted = new Set<number>();
  /** Owed pieces whose receipt passed every check but its signature's, which is being verified. */
  readonly #vouched = new Set<number>();
  /** Live connections of this downloader (an account in use is never evicted). */
  connections = 0;
  /** Its receipts we refused: past a bound it is disconnected, each costing us a check. */
  rejected = 0;

  /**
   * Whether to serve the downloader a block of piece `index` now, with `lead` pieces its most
   * debt; `has` tells the pieces it announced. A piece is admitted whole at its first served
   * block, so its other blocks are never held back. Not admitted, the request waits for a receipt.
   */
  admit(index: number, lead: number, has: (index: number) => boolean): boolean {
    if (this.#owed.has(index)) return true;
    // Receipts being verified count as back, at most a lead of them: a downloader whose
    // signatures turn out bad has had at most two leads of pieces.
    if (this.#debt(has) - Math.min(this.#vouched.size, lead) >= lead) return false;
    this.#owed.set(index, 0);
    return true;
  }

  /** A block of `bytes` of piece `index` went to the downloader. */
  sent(index: number, bytes: number): void {
    if (!this.#receipted.has(index)) this.#owed.set(index, (this.#owed.get(index) ?? 0) + bytes);
  }

  /**
   * The receipt of owed piece `index` passed every check but its signature's: it counts as back
   * while the signature is verified (in batches, which cost half as much per receipt), so the
   * downloader is not held waiting on the verification.
   */
  vouch(index: number): void {
    if (this.#owed.has(index)) this.#vouched.add(index);
  }

  /** The vouched receipt of piece `index` was refused or could not be stored: the piece is owed again. */
  unvouch(index: number): void {
    this.#vouched.delete(index);
  }

  /** The receipt of piece `index` is stored. */
  receipted(index: number): void {
    this.#owed.delete(index);
    this.#vouched.delete(index);
    this.#receipted.add(index);
  }

  /** Bytes of piece `index` sent to the downloader and not yet receipted (0 for none). */
  unreceipted(index: number): number {
    return this.#owed.get(index) ?? 0;
  }

  /** Whether the receipt of piece `index` came back already. */
  hasReceipt(index: number): boolean {
    return this.#receipted.has(index);
  }

  /** The piece we sent something of the longest ago without its receipt back (nor one being verified), if any. */
  oldestOwed(): number | undefined {
    for (const [index, bytes] of this.#owed) if (bytes > 0 && !this.#vouched.has(index)) return index;
    return undefined;
  }

  /** The admitted pieces with the bytes sent of each, oldest first. */
  owedPieces(): IterableIterator<[index: number, bytes: number]> {
    return this.#owed.entries();
  }

  /** Pieces admitted without a receipt, less those admitted, never sent and got elsewhere (no receipt can come for them). */
  #debt(has: (index: number) => boolean): number {
    for (const [index, bytes] of this.#owed) if (bytes === 0 && has(index)) this.#owed.delete(index);
    return this.#owed.size;
  }
}

/** Every downloader's account. */
export class Ledger {
  readonly #accounts = new Map<string, Account>();

  /** The account of key `keyHex` (made, or refreshed as recently used). */
  account(keyHex: string): Account {
    const known = this.#accounts.get(keyHex);
    if (known) this.#accounts.delete(keyHex);
    const account = known ?? new Account();
    this.#accounts.set(keyHex, account);
    if (!known) this.#evict();
    return account;
  }

  /** Bounds the accounts of downloaders that left (a peer can make keys at will). */
  #evict(): void {
    let idle = 0;
    for (const account of this.#accounts.values()) if (account.connections === 0) idle++;
    for (const [key, account] of this.#accounts) {
      if (idle <= MAX_IDLE_ACCOUNTS) return;
      if (account.connections > 0) continue;
      this.#accounts.delete(key);
      idle--;
    }
  }
}
