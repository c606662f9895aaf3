import { describe, expect, test } from 'vitest';
import type { OutboxEntry } from '../store/index.ts';
import { batchArgs } from './batch.ts';
import { userKey } from './contracts.ts';

let nextId = 1;
function entry(userId: string, kind: OutboxEntry['kind'], uploaded: number, downloaded = 0): OutboxEntry {
  return { entryId: nextId++, userId, kind, publicKey: new Uint8Array(48).fill(userId.charCodeAt(0)), uploaded, downloaded };
}

describe('batchArgs', () => {
  test('default', () => {
    const args = batchArgs([
      entry('alice', 'register', 1000),
      entry('bob', 'update', 5, 0),
      entry('alice', 'update', 0, 7),
      entry('bob', 'update', 3, 2),
      entry('carol', 'register', 0),
    ]);
    expect(args.registrations).toEqual([
      { userId: 'alice', publicKey: `0x${'61'.repeat(48)}`, uploaded: 1000n },
      { userId: 'carol', publicKey: `0x${'63'.repeat(48)}`, uploaded: 0n },
    ]);
    // Summed per user, in order of each user's first update.
    expect(args.updates).toEqual([
      { id: userKey('bob'), uploadedDelta: 8n, downloadedDelta: 2n },
      { id: userKey('alice'), uploadedDelta: 0n, downloadedDelta: 7n },
    ]);
  });

  test('behavior: zero updates are dropped and an empty batch has empty lists', () => {
    expect(batchArgs([entry('alice', 'update', 0, 0)])).toEqual({ registrations: [], updates: [] });
    expect(batchArgs([])).toEqual({ registrations: [], updates: [] });
  });

  test('behavior: totals beyond 2^53 stay exact', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const { updates } = batchArgs([entry('alice', 'update', big), entry('alice', 'update', big)]);
    expect(updates[0]!.uploadedDelta).toBe(2n * BigInt(big));
  });
});
