/**
 * The baseline of an on-chain update: the same credit committed to the tracker's own SQLite
 * store instead, as the tracker opens it (a file in a data directory, WAL, `synchronous = FULL`),
 * one report of one receipt per durable transaction (`Store.applyReport`: spend the receipt id,
 * credit the sender, debit the receiver, queue both for the chain).
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INITIAL_CREDIT } from '../../src/bench/experiments/onchain/options.ts';
import { currentEpoch, getBackend, keyPairFromSeed } from '../../src/receipts/index.ts';
import { type Store, openStore } from '../../src/store/index.ts';
import { PIECE } from './chain.ts';

/** A store in a temporary data directory with one sender and one receiver registered. */
export class StoreWriter {
  private written = 0;

  private constructor(
    private readonly dir: string,
    private readonly store: Store,
    private readonly sender: Uint8Array,
    private readonly receiver: Uint8Array,
  ) {}

  /** Opens a fresh store and registers the two users whose credit every write moves. */
  static open(): StoreWriter {
    const dir = mkdtempSync(join(tmpdir(), 'pbts-onchain-store-'));
    try {
      const store = openStore({ dataDir: dir });
      const bls = getBackend('blst');
      const [sender, receiver] = [0, 1].map((i) => keyPairFromSeed(bls, 'onchain-store', i).publicKey) as [Uint8Array, Uint8Array];
      for (const [name, publicKey] of [['sender', sender], ['receiver', receiver]] as const) {
        store.createUser({ userId: name, publicKey, uploaded: Number(INITIAL_CREDIT) });
      }
      return new StoreWriter(dir, store, sender, receiver);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Commits one credit of one piece: a report of one fresh receipt, durable when this returns. */
  write(): void {
    const id = new Uint8Array(32);
    new DataView(id.buffer).setUint32(28, this.written++);
    this.store.applyReport({
      receipts: [{ id, epoch: currentEpoch(), senderPk: this.sender, receiverPk: this.receiver, pieceSize: Number(PIECE) }],
    });
  }

  /** Closes the store and removes its directory. */
  close(): void {
    this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
