import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type SnatchCount, WriterThread, inlineCommitter, openStore } from '../store/index.ts';
import { DurableSnatches } from './snatches.ts';
import { Swarms } from './swarm.ts';

const hash = (n: number) => new Uint8Array(20).fill(n);
const id = (n: number) => Buffer.from(hash(n)).toString('latin1');
const limits = { peerTtlSeconds: 100, maxTorrents: 10, maxPeersPerTorrent: 10 };
const peer = (n: number) => new TextEncoder().encode(`-TS0001-${String(n).padStart(12, '0')}`);

/** A writer whose writes wait until released, recording what they were given. */
function heldWriter() {
  const writes: SnatchCount[][] = [];
  const releases: ((error?: Error) => void)[] = [];
  return {
    writes,
    release: (error?: Error) => releases.shift()!(error),
    recordSnatches: (counts: readonly SnatchCount[]) => {
      writes.push([...counts]);
      return new Promise<void>((resolve, reject) => releases.push((error) => (error ? reject(error) : resolve())));
    },
  };
}

describe('DurableSnatches', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  test('default', async () => {
    const store = openStore({ dataDir: ':memory:' });
    const snatches = new DurableSnatches(store, inlineCommitter(store), 10);
    expect(snatches.count(id(1))).toBe(0);
    snatches.set(id(1), 1);
    snatches.set(id(1), 2);
    expect(snatches.count(id(1))).toBe(2);
    expect(store.snatches(hash(1))).toBe(0);
    await expect.poll(() => store.snatches(hash(1)), { timeout: 2000, interval: 5 }).toBe(2);
    await snatches.close();
    store.close();
  });

  test('behavior: one write per flush period, in one batch, and nothing read twice while it is under way', async () => {
    const store = openStore({ dataDir: ':memory:' });
    store.recordSnatches([{ infohash: hash(1), downloaded: 5 }]);
    const writer = heldWriter();
    const snatches = new DurableSnatches(store, writer, 60_000);
    for (let n = 1; n <= 3; n++) snatches.set(id(n), snatches.count(id(n)) + 1);
    const flushed = snatches.flush();
    expect(writer.writes).toEqual([[1, 2, 3].map((n) => ({ infohash: Buffer.from(hash(n)), downloaded: n === 1 ? 6 : 1 }))]);
    // The write landed in the store but is not answered yet: the count is still 6, not 6 + 6.
    store.recordSnatches(writer.writes[0]!);
    expect(snatches.count(id(1))).toBe(6);
    snatches.set(id(1), 7);
    const second = snatches.flush();
    writer.release();
    await flushed;
    await expect.poll(() => writer.writes.length, { timeout: 1000, interval: 1 }).toBe(2);
    expect(writer.writes[1]).toEqual([{ infohash: Buffer.from(hash(1)), downloaded: 7 }]);
    writer.release();
    await second;
    await snatches.close();
    expect(writer.writes).toHaveLength(2);
    store.close();
  });

  test('behavior: a failed write is kept and written by the next one, newer totals first', async () => {
    const store = openStore({ dataDir: ':memory:' });
    const writer = heldWriter();
    const snatches = new DurableSnatches(store, writer, 60_000);
    snatches.set(id(1), 1);
    snatches.set(id(2), 1);
    const failed = snatches.flush();
    snatches.set(id(2), 2);
    writer.release(new Error('writer died'));
    await expect(failed).rejects.toThrow('writer died');
    expect([snatches.count(id(1)), snatches.count(id(2))]).toEqual([1, 2]);
    const retried = snatches.close();
    writer.release();
    await retried;
    expect(writer.writes[1]).toEqual([
      { infohash: Buffer.from(hash(2)), downloaded: 2 },
      { infohash: Buffer.from(hash(1)), downloaded: 1 },
    ]);
    store.close();
  });

  test('behavior: snatches counted by the swarms survive their torrent and a restart, through the writer thread', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pbts-snatches-'));
    dirs.push(dataDir);
    const announce = (swarms: Swarms, n: number, left: number, now = 0) =>
      swarms.announce({ infohash: hash(1), peerId: peer(n), ip: '10.0.0.1', port: 6881, left, event: undefined, numwant: 0, now });
    let store = openStore({ dataDir });
    let writer = await WriterThread.start(dataDir);
    let snatches = new DurableSnatches(store, writer);
    let swarms = new Swarms(limits, snatches);
    announce(swarms, 1, 10);
    announce(swarms, 2, 10);
    announce(swarms, 1, 0);
    expect(announce(swarms, 2, 0).downloaded).toBe(2);
    // The last peer gone (expired), the count stays.
    swarms.sweep(1000);
    expect(swarms.stats().torrents).toBe(0);
    expect(swarms.scrape([hash(1)], 1000)[0]!.downloaded).toBe(2);
    await snatches.close();
    await writer.close();
    store.close();

    store = openStore({ dataDir });
    writer = await WriterThread.start(dataDir);
    snatches = new DurableSnatches(store, writer);
    swarms = new Swarms(limits, snatches);
    expect(swarms.scrape([hash(1)], 0)[0]!.downloaded).toBe(2);
    announce(swarms, 3, 10);
    expect(announce(swarms, 3, 0).downloaded).toBe(3);
    await snatches.close();
    expect(store.snatches(hash(1))).toBe(3);
    await writer.close();
    store.close();
  });
});
