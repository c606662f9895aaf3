import { describe, expect, test } from 'vitest';
import { encode } from '../bencode/index.ts';
import { type AnnounceQuery, parseAnnounceQuery, queryOf } from '../tracker/query.ts';
import { announceTarget, parseAnnounceAnswer, percentEncode } from './announce.ts';
import { AnnounceFailure } from './errors.ts';

// Every byte value, including the ones a UTF-8 URL encoder would turn into two or three bytes.
const infohash = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 0x80) & 0xff);
const peerId = Uint8Array.from({ length: 20 }, (_, i) => 255 - i * 13);
const params = { infohash, peerId, port: 6881, uploaded: 1, downloaded: 2, left: 3 };

describe('announceTarget', () => {
  test('default', () => {
    expect(percentEncode(Uint8Array.of(0, 0x41, 0xff))).toBe('%00%41%ff');
    const target = announceTarget({ ...params, passkey: 'ab'.repeat(16), event: 'started', numwant: 7 });
    expect(target.startsWith(`/announce/${'ab'.repeat(16)}?info_hash=${percentEncode(infohash)}&peer_id=`)).toBe(true);
    expect(target).toContain('&compact=1&event=started&numwant=7');
  });

  test('behavior: the tracker\'s own parser reads back the same bytes and numbers', () => {
    const parsed = parseAnnounceQuery(queryOf(announceTarget({ ...params, event: 'completed', numwant: 0, compact: false }))) as AnnounceQuery;
    expect(new Uint8Array(parsed.infohash)).toEqual(infohash);
    expect(new Uint8Array(parsed.peerId)).toEqual(peerId);
    expect(parsed).toMatchObject({ port: 6881, uploaded: 1, downloaded: 2, left: 3, event: 'completed', numwant: 0, compact: false });
    expect(announceTarget(params).startsWith('/announce?')).toBe(true);
  });

  test('error: an info hash or peer id that is not 20 bytes is refused before any request', () => {
    expect(() => announceTarget({ ...params, peerId: new Uint8Array(19) })).toThrow(/peerId must be 20 bytes, got 19/);
  });
});

describe('parseAnnounceAnswer', () => {
  test('default', () => {
    const peers = Buffer.from([10, 0, 0, 1, 0x1a, 0xe1, 192, 168, 1, 2, 0, 80]);
    const peers6 = Buffer.alloc(18);
    peers6.write('20010db8000000000000000000000001', 'hex');
    peers6.writeUInt16BE(51413, 16);
    const answer = parseAnnounceAnswer(encode({ complete: 4, incomplete: 5, interval: 1800, 'min interval': 900, peers, peers6 }));
    expect(answer).toEqual({
      interval: 1800,
      minInterval: 900,
      complete: 4,
      incomplete: 5,
      peers: [
        { ip: '10.0.0.1', port: 6881 },
        { ip: '192.168.1.2', port: 80 },
        { ip: '2001:db8::1', port: 51413 },
      ],
    });
  });

  test('behavior: the dictionary model keeps the peer ids, and min interval is optional', () => {
    const id = new Uint8Array(20).fill(0xfe);
    const answer = parseAnnounceAnswer(encode({ complete: 0, incomplete: 2, interval: 60, peers: [{ ip: '::1', port: 1, 'peer id': id }, { ip: '127.0.0.1', port: 2 }] }));
    expect(answer).toEqual({ interval: 60, minInterval: undefined, complete: 0, incomplete: 2, peers: [{ ip: '::1', port: 1, peerId: id }, { ip: '127.0.0.1', port: 2 }] });
  });

  test('error: a failure reason is thrown as AnnounceFailure, a malformed answer as an Error', () => {
    const failed = () => parseAnnounceAnswer(encode({ 'failure reason': 'ratio 0.100 is below this tracker’s minimum' }));
    expect(failed).toThrow(AnnounceFailure);
    expect(failed).toThrow('announce refused: ratio 0.100 is below this tracker’s minimum');
    expect(() => parseAnnounceAnswer(encode({ complete: 0, incomplete: 0, peers: '' }))).toThrow(/interval is missing/);
    expect(() => parseAnnounceAnswer(encode({ complete: 0, incomplete: 0, interval: 1, peers: new Uint8Array(7) }))).toThrow(/multiple of 6/);
    expect(() => parseAnnounceAnswer(encode([1]))).toThrow(/not a dictionary/);
    expect(() => parseAnnounceAnswer(Buffer.from('d8:intervali1e'))).toThrow(/bencode/);
  });
});
