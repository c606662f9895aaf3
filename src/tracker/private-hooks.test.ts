import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openStore, type Store } from '../store/index.ts';
import type { AnnounceContext, TrackerHooks } from './hooks.ts';
import { RATIO_RECHECK_MS, privateHooks } from './private-hooks.ts';

const key = (n: number) => new Uint8Array(48).fill(n);

describe('privateHooks', () => {
  let store: Store;
  let hooks: TrackerHooks;
  let passkey: string;
  let clock: number;

  const announce = (patch: Partial<AnnounceContext> = {}) =>
    hooks.beforeAnnounce({
      passkey,
      infohash: new Uint8Array(20),
      peerId: new Uint8Array(20),
      event: 'started',
      uploaded: 0,
      downloaded: 0,
      left: 1000,
      ip: '127.0.0.1',
      ...patch,
    });

  /** Debits alice `pieces` 16 KiB pieces through a verified report, the only way totals change. */
  function download(pieces: number) {
    const receipts = Array.from({ length: pieces }, () => ({
      id: new Uint8Array(randomBytes(32)),
      epoch: 1,
      senderPk: key(2),
      receiverPk: key(1),
      pieceSize: 16 * 1024,
    }));
    store.applyReport({ receipts });
  }

  beforeEach(() => {
    store = openStore({ dataDir: ':memory:' });
    passkey = store.createUser({ userId: 'alice', publicKey: key(1), uploaded: 16 * 1024 }).passkey;
    store.createUser({ userId: 'bob', publicKey: key(2) });
    clock = 1_000_000;
    hooks = privateHooks({ store, config: { minRatio: 0.5 }, now: () => clock });
  });
  afterEach(() => store.close());

  test('default', async () => {
    expect(await announce()).toBeUndefined();
    expect(await announce({ event: undefined })).toBeUndefined();
  });

  test('error: missing or unknown passkey', async () => {
    expect(await announce({ passkey: undefined })).toMatch(/private tracker.*\/announce\/<passkey>/);
    expect(await announce({ passkey: '' })).toMatch(/private tracker/);
    expect(await announce({ passkey: '0'.repeat(32) })).toMatch(/^unknown passkey/);
    expect(await announce({ passkey: '0'.repeat(32), event: 'stopped' })).toMatch(/^unknown passkey/);
  });

  test('behavior: the ratio gate applies to every announce with left > 0, at exactly minRatio it passes', async () => {
    download(2);
    expect(await announce()).toBeUndefined();
    download(1);
    const reason = await announce();
    expect(reason).toContain('ratio 0.333 (uploaded 16384 B / downloaded 49152 B)');
    expect(reason).toContain('minimum 0.5');
    // A regular update (no, empty or "paused" event all parse to undefined) and `completed` with
    // something left ask for peers to download from as much as `started` does.
    expect(await announce({ event: undefined })).toBe(reason);
    expect(await announce({ event: 'completed' })).toBe(reason);
  });

  test('behavior: seeding (left = 0) and stopped are never gated', async () => {
    download(3);
    expect(await announce({ event: undefined, left: 0 })).toBeUndefined();
    expect(await announce({ event: 'completed', left: 0 })).toBeUndefined();
    expect(await announce({ event: 'started', left: 0 })).toBeUndefined();
    expect(await announce({ event: 'stopped' })).toBeUndefined();
  });

  test('behavior: a regular announce reuses the totals for RATIO_RECHECK_MS, started reads them afresh', async () => {
    expect(await announce({ event: undefined })).toBeUndefined();
    download(3);
    expect(await announce({ event: undefined })).toBeUndefined();
    clock += RATIO_RECHECK_MS;
    expect(await announce({ event: undefined })).toMatch(/^ratio 0.333/);
    store.applyReport({ receipts: [{ id: new Uint8Array(randomBytes(32)), epoch: 1, senderPk: key(1), receiverPk: key(2), pieceSize: 64 * 1024 }] });
    expect(await announce({ event: undefined })).toMatch(/^ratio 0.333/);
    expect(await announce({ event: 'started' })).toBeUndefined();
    expect(await announce({ event: undefined })).toBeUndefined();
  });

  test('error: a scrape needs a registered passkey', async () => {
    expect(await hooks.beforeScrape(undefined)).toMatch(/private tracker: scrape with \/scrape\/<passkey>/);
    expect(await hooks.beforeScrape('')).toMatch(/private tracker/);
    expect(await hooks.beforeScrape('0'.repeat(32))).toMatch(/^unknown passkey/);
    expect(await hooks.beforeScrape(passkey)).toBeUndefined();
  });

  test('behavior: client-reported totals are ignored', async () => {
    download(3);
    expect(await announce({ uploaded: 1e12, downloaded: 0 })).toMatch(/^ratio 0.333/);
    expect(store.userByPasskey(passkey)!.uploaded).toBe(16 * 1024);
  });
});
