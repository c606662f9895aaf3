/**
 * Experiment 1, receipt operations (seed README section 1): key generation, receipt creation,
 * verification, aggregate creation and aggregate vs one-by-one verification per batch size,
 * on every BLS backend side by side, and the piece hash check a plain client already pays per
 * piece. Options: PBTS_ITERATIONS, PBTS_NOBLE_ITERATIONS, PBTS_BATCH_SIZES, PBTS_BACKENDS,
 * PBTS_QUICK (or the flags of `pbts experiments receipts`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2';
import { describe } from 'vitest';
import { receiptsOptions } from '../src/bench/experiments/receipts/options.ts';
import { cycle, samplesOf, stretchedBench } from '../src/bench/harness.ts';
import { batchRuns } from '../src/bench/options.ts';
import {
  type KeyPair,
  type Receipt,
  aggregateReceipts,
  currentEpoch,
  generateKeyPair,
  getBackend,
  keyPairFromSeed,
  signReceipt,
  verifyAggregate,
  verifyReceipt,
} from '../src/receipts/index.ts';

const options = receiptsOptions();
// Fixtures are signed with blst: both backends produce byte-identical signatures, so only the
// timed operation depends on the backend under test.
const signer = getBackend('blst');
const infohash = sha256(new TextEncoder().encode('test_torrent')).slice(0, 20);
const sender = keyPairFromSeed(signer, 'bench-sender');
const epoch = currentEpoch();
let pieceCounter = 0;

function freshReceipt(receiver: KeyPair): Receipt {
  const index = pieceCounter++;
  return signReceipt(
    signer,
    {
      infohash,
      senderPk: sender.publicKey,
      receiverPk: receiver.publicKey,
      pieceHash: sha256(new TextEncoder().encode(`piece_${index}`)),
      pieceIndex: index,
      pieceSize: 262_144,
      epoch,
    },
    receiver.secretKey,
  );
}

/** `count` batches of `size` fresh receipts, each from `size` distinct receivers. */
function freshBatches(count: number, size: number): Receipt[][] {
  const receivers = Array.from({ length: size }, (_, i) => keyPairFromSeed(signer, `bench-receiver-${size}`, i));
  return Array.from({ length: count }, () => receivers.map(freshReceipt));
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`${what} did not verify`);
}

// The plain operation a receipt extends: a BitTorrent client hashes every piece it receives.
describe('receipts', () => {
  const piece = randomBytes(262_144);
  stretchedBench(
    'piece hash check (SHA-1, 256 KiB)',
    () => createHash('sha1').update(piece).digest(),
    samplesOf(options.iterations, options.warmup),
  );
});

for (const name of options.backends) {
  const backend = getBackend(name);
  const iterations = name === 'noble' ? options.nobleIterations : options.iterations;
  const warmup = name === 'noble' ? 1 : options.warmup;
  const single = samplesOf(iterations, warmup);
  const receiver = keyPairFromSeed(signer, 'bench-receiver');

  describe(`receipts [${name}]`, () => {
    stretchedBench('keypair generation', () => generateKeyPair(backend), single);

    const creationFields = cycle(
      Array.from({ length: iterations + warmup }, () => freshReceipt(receiver)),
    );
    stretchedBench(
      'receipt creation',
      () => signReceipt(backend, creationFields(), receiver.secretKey),
      single,
    );

    const toVerify = cycle(Array.from({ length: iterations + warmup }, () => freshReceipt(receiver)));
    stretchedBench(
      'receipt verification',
      () => check(verifyReceipt(backend, toVerify()), 'receipt'),
      single,
    );

    for (const size of options.batchSizes) {
      describe(`batch ${size}`, () => {
        const creationRuns = batchRuns(iterations * 10, size, name === 'noble' ? 3 : 10);
        const toAggregate = cycle(freshBatches(Math.min(creationRuns + warmup, 20), size));
        stretchedBench(
          'aggregate creation',
          () => aggregateReceipts(backend, toAggregate()),
          samplesOf(creationRuns, warmup),
        );

        const verifyRuns = batchRuns(iterations, size, name === 'noble' ? 1 : 10);
        const batchWarmup = name === 'noble' ? 0 : 1;
        const batches = freshBatches(verifyRuns + batchWarmup, size).map((receipts) => ({
          receipts,
          signature: aggregateReceipts(signer, receipts),
        }));
        const forAggregate = cycle(batches);
        stretchedBench(
          'aggregate verification',
          () => {
            const { receipts, signature } = forAggregate();
            check(verifyAggregate(backend, receipts, signature), 'aggregate');
          },
          samplesOf(verifyRuns, batchWarmup),
        );
        // The same receipts again, one verification each: what a tracker without aggregation pays.
        const forIndividual = cycle(batches);
        stretchedBench(
          'individual verification',
          () => {
            for (const receipt of forIndividual().receipts) check(verifyReceipt(backend, receipt), 'receipt');
          },
          samplesOf(verifyRuns, batchWarmup),
        );
      });
    }
  });
}

