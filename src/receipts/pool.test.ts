import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { sha256 } from '@noble/hashes/sha2';
import { getBackend } from './backend.ts';
import { keyPairFromSeed } from './keys.ts';
import { VerifyPool } from './pool.ts';
import { type Receipt, aggregateReceipts, signReceipt } from './receipt.ts';
import { checkReportBytes } from './report-check.ts';
import { encodeReport } from './report-codec.ts';

const blst = getBackend('blst');
const sender = keyPairFromSeed(blst, 'pool-sender');
const receipts: Receipt[] = Array.from({ length: 64 }, (_, i) => {
  const receiver = keyPairFromSeed(blst, 'pool-receiver', i);
  return signReceipt(
    blst,
    {
      infohash: new Uint8Array(20).fill(1),
      senderPk: sender.publicKey,
      receiverPk: receiver.publicKey,
      pieceHash: sha256(Uint8Array.of(i)),
      pieceIndex: i,
      pieceSize: 16_384,
      epoch: 100,
    },
    receiver.secretKey,
  );
});
const aggregate = aggregateReceipts(blst, receipts);

describe('VerifyPool', () => {
  const pool = new VerifyPool({ size: 2, backend: 'blst' });
  afterAll(() => pool.close());

  test('default: verifies an aggregate on a worker thread', async () => {
    expect(await pool.verifyAggregate(receipts, aggregate)).toBe(true);
    expect(await pool.verifyAggregate(receipts.slice(1), aggregate)).toBe(false);
  });

  test('behavior: verifies each receipt and flags exactly the bad ones', async () => {
    const batch = receipts.slice();
    batch[5] = { ...batch[5]!, pieceIndex: 1000 };
    batch[40] = { ...batch[40]!, pieceSize: 1 };
    const results = await pool.verifyEach(batch);
    expect(results.length).toBe(batch.length);
    expect(results.map((ok, i) => (ok ? -1 : i)).filter((i) => i >= 0)).toEqual([5, 40]);
  });

  test('behavior: the event loop keeps running while a verification is under way', async () => {
    const order: string[] = [];
    const verification = pool.verifyAggregate(receipts, aggregate).then(() => order.push('verified'));
    await new Promise((resolve) => setImmediate(resolve));
    order.push('event loop turned');
    await verification;
    expect(order).toEqual(['event loop turned', 'verified']);
  });

  test('behavior: verifies proofs of possession off the calling thread', async () => {
    expect(await pool.verifyPop(sender.publicKey, blst.popProve(sender.secretKey))).toBe(true);
    expect(await pool.verifyPop(sender.publicKey, blst.sign(sender.secretKey, sender.publicKey))).toBe(false);
    expect(await pool.verifyPop(new Uint8Array(48), new Uint8Array(96))).toBe(false);
  });

  test('behavior: verifies one signature over any message', async () => {
    const message = Uint8Array.of(1, 2, 3);
    expect(await pool.verify(sender.publicKey, message, blst.sign(sender.secretKey, message))).toBe(true);
    expect(await pool.verify(sender.publicKey, Uint8Array.of(1, 2), blst.sign(sender.secretKey, message))).toBe(false);
    expect(await pool.verify(new Uint8Array(48), message, new Uint8Array(96))).toBe(false);
  });

  test('behavior: checks a report body on a worker, as the inline check does', async () => {
    const text = encodeReport(receipts, aggregate);
    const window = { oldestEpoch: 90, current: 100 };
    const inline = checkReportBytes(Buffer.from(text), window);
    expect(await pool.checkReport(Buffer.from(text), window)).toEqual(inline);
    expect(await pool.checkReport(Buffer.from('{"receipts":'), window)).toEqual({ refused: { error: 'bad_json', reason: 'body is not valid JSON' } });
  });

  test('behavior: a body that is a whole ArrayBuffer moves to the worker; a view into a shared one is copied', async () => {
    const window = { oldestEpoch: 90, current: 100 };
    const whole = new TextEncoder().encode(encodeReport(receipts.slice(0, 2)));
    await pool.checkReport(whole, window);
    expect(whole.byteLength).toBe(0);
    // Buffer.from of a short string is a view into Node's shared pool, which must stay usable.
    const pooled = Buffer.from('{"receipts":[]}');
    expect(pooled.byteLength).toBeLessThan(pooled.buffer.byteLength);
    await pool.checkReport(pooled, window);
    expect(pooled.toString()).toBe('{"receipts":[]}');
  });

  test('error: invalid input resolves to false, and a closed pool rejects', async () => {
    const badSignature = new Uint8Array(96);
    expect(await pool.verifyAggregate(receipts, badSignature)).toBe(false);
    const closed = new VerifyPool({ size: 1, backend: 'noble' });
    await closed.close();
    await expect(closed.verifyAggregate(receipts, aggregate)).rejects.toThrow(/closed/);
  });
});

const SCHED_IDLE = 5;

/** A thread's scheduling policy from its /proc stat file (field 41; the name before it may hold spaces). */
function policyOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
}

/** This process's threads and their scheduling policies. */
function threadPolicies(): Map<string, number> {
  const policies = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      policies.set(tid, policyOf(`/proc/self/task/${tid}/stat`));
    } catch {
      // The thread just ended.
    }
  }
  return policies;
}

const hasChrt = (() => {
  try {
    execFileSync('chrt', ['--help'], { stdio: 'ignore' });
    return process.platform === 'linux';
  } catch {
    return false;
  }
})();

describe.runIf(hasChrt)('VerifyPool scheduling', () => {
  test('behavior: verification threads run SCHED_IDLE, so any other thread that wakes preempts them', async () => {
    // Threads of earlier pools may still be ending: only threads started from here on count.
    const before = new Set(threadPolicies().keys());
    const pool = new VerifyPool({ size: 2, backend: 'blst' });
    const newIdle = () => [...threadPolicies()].filter(([tid, policy]) => !before.has(tid) && policy === SCHED_IDLE).length;
    try {
      expect(await pool.verifyAggregate(receipts, aggregate)).toBe(true);
      // Both workers set themselves as they start (the second may still be loading); this thread stays a normal one.
      await vi.waitFor(() => expect(newIdle()).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
      expect(policyOf('/proc/thread-self/stat')).toBe(0);
    } finally {
      await pool.close();
    }
  });
});
