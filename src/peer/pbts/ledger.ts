/**
 * The uploader's account of each downloader, by the public key it announced: the pieces we sent
 * it whose receipt has not come back (owed, oldest first) and those whose receipt has. The
 * incentive reads it: a downloader is served new pieces only while it owes fewer than the lead.
 * Kept by key rather than by connection, so reconnecting does not wipe a debt.
 * @module
 */

/** Most accounts kept for downloaders no longer connected; the least recently used go first. */
export const MAX_IDLE_ACCOUNTS = 1024;

/** One downloader's account. */
export class Account {
  /** Bytes sent of each owed piece; insertion order is the order pieces were first sent. */
  readonly #owed = new Map<number, number>();
  readonly #receipted = new Set<number>();
  /** Live connections of this downloader (an account in use is never evicted). */
  connections = 0;
  /** Its receipts we refused: past a bound it is disconnected, each costing us a check. */
  rejected = 0;

  /** A block of `bytes` of piece `index` went to the downloader. */
  sent(index: number, bytes: number): void {
    if (!this.#receipted.has(index)) this.#owed.set(index, (this.#owed.get(index) ?? 0) + bytes);
  }

  /** The receipt of piece `index` is stored. */
  receipted(index: number): void {
    this.#owed.delete(index);
    this.#receipted.add(index);
  }

  /** Whether we sent piece `index` and its receipt has not come back. */
  owes(index: number): boolean {
    return this.#owed.has(index);
  }

  /** Whether the receipt of piece `index` came back already. */
  hasReceipt(index: number): boolean {
    return this.#receipted.has(index);
  }

  /** Pieces sent without a receipt back. */
  get owed(): number {
    return this.#owed.size;
  }

  /** The piece owed the longest, if any. */
  oldestOwed(): number | undefined {
    return this.#owed.keys().next().value;
  }

  /** The owed pieces with the bytes sent of each, oldest first. */
  owedPieces(): IterableIterator<[index: number, bytes: number]> {
    return this.#owed.entries();
  }

  /** May we send the downloader a block of piece `index`, `lead` pieces being its most debt? */
  mayServe(index: number, lead: number): boolean {
    return this.#owed.has(index) || this.#owed.size < lead;
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
