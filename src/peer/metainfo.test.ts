import { createHash } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { encode, rawValue, type BencodeValue } from '../bencode/index.ts';
import { LIMITS, MetainfoError, parseMetainfo, pieceSize } from './metainfo.ts';
import { Scratch } from './testing.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const hashes = (count: number) => new Uint8Array(20 * count);

/** A .torrent with the given info dict (and top-level extras). */
function torrent(info: Record<string, BencodeValue | undefined>, top: Record<string, BencodeValue> = {}): Uint8Array {
  return encode({ announce: 'http://127.0.0.1:1/announce', ...top, info });
}

const single = { name: 'a.bin', 'piece length': 16384, length: 40_000, pieces: hashes(3) };

describe('parseMetainfo', () => {
  test('default', () => {
    const bytes = torrent({ ...single, private: 1 }, { 'announce-list': [['http://127.0.0.1:1/announce'], ['http://127.0.0.1:2/announce']] });
    const metainfo = parseMetainfo(bytes);
    const expected = createHash('sha1').update(rawValue(bytes, 'info')!).digest();
    expect(Buffer.from(metainfo.infoHash).equals(expected)).toBe(true);
    expect(metainfo.infoHashHex).toBe(expected.toString('hex'));
    expect(metainfo).toMatchObject({ name: 'a.bin', pieceLength: 16384, length: 40_000, multiFile: false, private: true });
    expect(metainfo.files).toEqual([{ path: ['a.bin'], length: 40_000, offset: 0 }]);
    expect(metainfo.pieces).toHaveLength(3);
    expect(metainfo.announce).toEqual(['http://127.0.0.1:1/announce', 'http://127.0.0.1:2/announce']);
    expect([0, 1, 2].map((i) => pieceSize(metainfo, i))).toEqual([16384, 16384, 40_000 - 2 * 16384]);
  });

  test('behavior: a multi-file torrent lays its files end to end', () => {
    const metainfo = parseMetainfo(
      torrent({
        name: 'set',
        'piece length': 16384,
        pieces: hashes(2),
        files: [
          { length: 10_000, path: ['a.bin'] },
          { length: 0, path: ['sub', 'empty'] },
          { length: 12_000, path: ['sub', 'b.bin'] },
        ],
      }),
    );
    expect(metainfo.multiFile).toBe(true);
    expect(metainfo.length).toBe(22_000);
    expect(metainfo.files.map((f) => [f.path.join('/'), f.offset])).toEqual([
      ['a.bin', 0],
      ['sub/empty', 10_000],
      ['sub/b.bin', 10_000],
    ]);
  });

  test('behavior: the info hash is of the raw bytes, even with unsorted keys', () => {
    // Keys out of order: re-encoding would sort them and change the hash.
    const info = Buffer.from(`d6:lengthi40000e4:name5:a.bin6:pieces60:${'x'.repeat(60)}12:piece lengthi16384ee`, 'latin1');
    const bytes = Buffer.concat([Buffer.from('d4:info'), info, Buffer.from('e')]);
    const metainfo = parseMetainfo(bytes);
    expect(metainfo.infoHashHex).toBe(createHash('sha1').update(info).digest('hex'));
    expect(metainfo.announce).toEqual([]);
  });

  test('behavior: createTorrent makes what parseMetainfo reads, with no trackers unless given', async () => {
    const fixture = await scratch.fixture({ 'a.bin': 100_000, 'sub/b.bin': 5 }, { pieceLength: 32 * 1024, name: 'set' });
    expect(fixture.metainfo).toMatchObject({ name: 'set', pieceLength: 32 * 1024, length: 100_005, multiFile: true, announce: [] });
    const withTracker = await scratch.fixture({ 'c.bin': 20_000 }, { announce: 'http://127.0.0.1:9/announce' });
    expect(withTracker.metainfo.announce).toEqual(['http://127.0.0.1:9/announce']);
    expect(withTracker.metainfo.multiFile).toBe(false);
  });

  test.each([
    ['not bencode', new TextEncoder().encode('hello'), /bencode/],
    ['no info', encode({ announce: 'x' }), /info must be a dict/],
    ['piece length too small', torrent({ ...single, 'piece length': 1024 }), /piece length 1024 outside/],
    ['piece length too large', torrent({ ...single, 'piece length': 128 * 1024 * 1024 }), /outside/],
    ['hashes not a multiple of 20', torrent({ ...single, pieces: new Uint8Array(59) }), /multiple of 20/],
    ['too few hashes', torrent({ ...single, pieces: hashes(2) }), /2 piece hashes for 40000 bytes/],
    ['no bytes', torrent({ ...single, length: 0, pieces: hashes(0) }), /holds no bytes/],
    ['a path with ..', torrent({ name: 'set', 'piece length': 16384, pieces: hashes(1), files: [{ length: 1, path: ['..', 'etc'] }] }), /may not be "\.\."/],
    ['a slash in a name', torrent({ ...single, name: 'a/b' }), /slash/],
    ['an empty path', torrent({ name: 'set', 'piece length': 16384, pieces: hashes(1), files: [{ length: 1, path: [] }] }), /list of 1\.\.32 names/],
    ['a repeated path', torrent({ name: 'set', 'piece length': 16384, pieces: hashes(1), files: [{ length: 1, path: ['a'] }, { length: 1, path: ['a'] }] }), /repeats a/],
    ['a file that is also a folder', torrent({ name: 'set', 'piece length': 16384, pieces: hashes(1), files: [{ length: 1, path: ['a'] }, { length: 1, path: ['a', 'b'] }] }), /both a file and a folder/],
    ['length and files', torrent({ ...single, files: [{ length: 1, path: ['a'] }] }), /both length and files/],
    ['a name not UTF-8', torrent({ ...single, name: new Uint8Array([0xff, 0xfe]) }), /not UTF-8/],
    ['v2 only', torrent({ name: 'a', 'piece length': 16384, 'meta version': 2 }), /v2-only/],
    ['a negative length', torrent({ ...single, length: -1 }), /non-negative integer/],
  ])('error: %s', (_what, bytes, message) => {
    expect(() => parseMetainfo(bytes)).toThrow(MetainfoError);
    expect(() => parseMetainfo(bytes)).toThrow(message);
  });

  test('error: more pieces or bytes than the limits allow', () => {
    const many = torrent({ ...single, length: (LIMITS.maxPieces + 1) * 16384, pieces: hashes(LIMITS.maxPieces + 1) });
    expect(() => parseMetainfo(many)).toThrow(/more than 1048576 pieces/);
    expect(() => parseMetainfo(new Uint8Array(LIMITS.maxTorrentBytes + 1))).toThrow(/larger than/);
  });
});
