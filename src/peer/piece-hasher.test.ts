import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { WorkerPool } from '../workers/pool.ts';
import { OFFLOAD_MIN, PieceHasher, sharedBuffer } from './piece-hasher.ts';

const sha = (algorithm: string, data: Uint8Array) => new Uint8Array(createHash(algorithm).update(data).digest());

afterEach(() => vi.restoreAllMocks());

describe('PieceHasher', () => {
  test('default', async () => {
    const hasher = new PieceHasher();
    const piece = sharedBuffer(OFFLOAD_MIN * 4);
    piece.set(randomBytes(piece.length));
    expect(await hasher.digest(piece, true)).toEqual({ sha1: sha('sha1', piece), sha256: sha('sha256', piece) });
    expect(await hasher.digest(piece, false)).toEqual({ sha1: sha('sha1', piece), sha256: undefined });
    await hasher.close();
  });

  test('behavior: large shared pieces go to the worker; small or unshared ones, and all after close, are hashed in place', async () => {
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    const hasher = new PieceHasher();
    const shared = sharedBuffer(OFFLOAD_MIN);
    shared.set(randomBytes(shared.length));
    const small = sharedBuffer(OFFLOAD_MIN - 1);
    const unshared = randomBytes(OFFLOAD_MIN);
    expect((await hasher.digest(shared, true)).sha256).toEqual(sha('sha256', shared));
    expect(run).toHaveBeenCalledTimes(1);
    expect((await hasher.digest(small, true)).sha1).toEqual(sha('sha1', small));
    expect((await hasher.digest(unshared, false)).sha1).toEqual(sha('sha1', unshared));
    expect(run).toHaveBeenCalledTimes(1);
    await hasher.close();
    expect((await hasher.digest(shared, true)).sha1).toEqual(sha('sha1', shared));
    expect(run).toHaveBeenCalledTimes(1);
  });

  test('error: a worker that dies fails no piece: it is hashed in place', async () => {
    vi.spyOn(WorkerPool.prototype, 'run').mockRejectedValue(new Error('the hash worker exited with code 1'));
    const hasher = new PieceHasher();
    const shared = sharedBuffer(OFFLOAD_MIN);
    shared.set(randomBytes(shared.length));
    expect(await hasher.digest(shared, true)).toEqual({ sha1: sha('sha1', shared), sha256: sha('sha256', shared) });
    await hasher.close();
  });
});
