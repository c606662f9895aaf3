import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { pieceSize } from './metainfo.ts';
import { Storage } from './storage.ts';
import { Scratch } from './testing.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

describe('Storage', () => {
  test('default', async () => {
    const fixture = await scratch.fixture({ 'a.bin': 40_000, 'sub/b.bin': 1, 'sub/empty': 0, 'z.bin': 30_000 });
    const storage = new Storage(fixture.metainfo, fixture.dir);
    const all = Buffer.concat([...fixture.contents.values()]);
    expect((await storage.scan()).full).toBe(true);
    // Piece 2 spans a.bin, sub/b.bin, the empty file and z.bin.
    expect((await storage.read(2, 0, pieceSize(fixture.metainfo, 2))).equals(all.subarray(32768, 49152))).toBe(true);
    expect((await storage.read(2, 7000, 500)).equals(all.subarray(32768 + 7000, 32768 + 7500))).toBe(true);
    expect(await storage.verify(4)).toBe(true);
    await storage.close();
  });

  test('behavior: writes build the files a download needs, folders and empty files too', async () => {
    const fixture = await scratch.fixture({ 'a.bin': 40_000, 'sub/b.bin': 1, 'sub/empty': 0, 'z.bin': 30_000 });
    const seeder = new Storage(fixture.metainfo, fixture.dir);
    const dir = await scratch.dir();
    const storage = new Storage(fixture.metainfo, dir);
    expect((await storage.scan()).count).toBe(0);
    // Out of order, concurrently, as pieces arrive.
    const order = [4, 1, 3, 0, 2];
    await Promise.all(order.map(async (index) => storage.write(index, 0, await seeder.read(index, 0, pieceSize(fixture.metainfo, index)))));
    for (const [path, data] of fixture.contents) expect((await readFile(join(dir, 'set', path))).equals(data)).toBe(true);
    expect((await storage.scan()).full).toBe(true);
    await Promise.all([seeder.close(), storage.close()]);
  });

  test('behavior: scan finds the intact pieces of partial or damaged data', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 5 * 16384 });
    const path = join(fixture.dir, 'data.bin');
    const data = Buffer.from(fixture.contents.get('data.bin')!);
    data[16384 + 5]! ^= 1;
    await writeFile(path, data);
    await truncate(path, 4 * 16384 - 1);
    const seen = new Map<number, Buffer>();
    const have = await new Storage(fixture.metainfo, fixture.dir).scan((index, piece) => seen.set(index, Buffer.from(piece)));
    expect([0, 1, 2, 3, 4].map((i) => have.has(i))).toEqual([true, false, true, false, false]);
    // Each intact piece's data is handed over as it is checked, and only those.
    expect([...seen.keys()]).toEqual([0, 2]);
    expect(seen.get(2)!.equals(data.subarray(2 * 16384, 3 * 16384))).toBe(true);
  });

  test('error: bytes outside a piece, missing data, a closed store', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 20_000 });
    const storage = new Storage(fixture.metainfo, await scratch.dir());
    await expect(storage.read(1, 3000, 1000)).rejects.toThrow(RangeError);
    await expect(storage.read(2, 0, 1)).rejects.toThrow(/no bytes 0\+1 in piece 2/);
    await expect(storage.read(0, 0, 0)).rejects.toThrow(RangeError);
    await expect(storage.read(0, 0, 100)).rejects.toThrow(/ENOENT/);
    expect(await storage.verify(0)).toBe(false);
    await storage.close();
    await expect(storage.write(0, 0, new Uint8Array(10))).rejects.toThrow(/closed/);
  });
});
