import { describe, expect, test } from 'vitest';
import {
  MAX_QUERY_LENGTH,
  isFailure,
  normalizeAddress,
  parseAnnounceQuery,
  parseScrapeQuery,
  proxyTrust,
  type AnnounceQuery,
} from './query.ts';

const hashBytes = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 0x80) & 0xff);
const escaped = (bytes: Uint8Array) => Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const peerId = '-TS0001-abcdefghijkl';
const base = `info_hash=${escaped(hashBytes)}&peer_id=${peerId}&port=6881&uploaded=0&downloaded=0&left=100`;

function announce(query: string): AnnounceQuery {
  const parsed = parseAnnounceQuery(query);
  if (isFailure(parsed)) throw new Error(parsed.failure);
  return parsed;
}

function failureOf(query: string): string {
  const parsed = parseAnnounceQuery(query);
  if (!isFailure(parsed)) throw new Error('expected a failure');
  return parsed.failure;
}

describe('parseAnnounceQuery', () => {
  test('default', () => {
    const q = announce(base);
    expect(new Uint8Array(q.infohash)).toEqual(hashBytes);
    expect(q.peerId.toString('latin1')).toBe(peerId);
    expect(q).toMatchObject({ port: 6881, uploaded: 0, downloaded: 0, left: 100, event: undefined, numwant: undefined, compact: true, noPeerId: false, key: undefined });
  });

  test('behavior: binary bytes, upper- and lower-case escapes, raw unreserved chars and + as space', () => {
    const q = announce(`info_hash=%FF%fe%00abc+%2B${'x'.repeat(12)}&peer_id=${peerId}&port=1&left=0`);
    expect([...q.infohash.subarray(0, 8)]).toEqual([0xff, 0xfe, 0x00, 0x61, 0x62, 0x63, 0x20, 0x2b]);
  });

  test('behavior: all fields, events, first occurrence wins', () => {
    const q = announce(`${base}&event=completed&numwant=7&compact=0&no_peer_id=1&key=ab%43d&port=9&event=stopped&ip=6.6.6.6`);
    expect(q).toMatchObject({ port: 6881, event: 'completed', numwant: 7, compact: false, noPeerId: true, key: 'abCd' });
    expect(announce(`${base}&event=started`).event).toBe('started');
    expect(announce(`${base}&event=stopped`).event).toBe('stopped');
    for (const empty of ['', 'empty', 'paused']) expect(announce(`${base}&event=${empty}`).event).toBeUndefined();
  });

  test('behavior: numbers up to 2^53-1, escaped digits, negative numwant means default', () => {
    expect(announce(`${base.replace('left=100', 'left=9007199254740991')}`).left).toBe(Number.MAX_SAFE_INTEGER);
    expect(announce(`${base}&numwant=%31%32`).numwant).toBe(12);
    expect(announce(`${base}&numwant=-1`).numwant).toBeUndefined();
    expect(announce(`${base}&numwant=0`).numwant).toBe(0);
  });

  test('error: info_hash and peer_id lengths', () => {
    expect(failureOf(base.replace(escaped(hashBytes), escaped(hashBytes.subarray(1))))).toBe('invalid info_hash: expected 20 bytes, got 19');
    expect(failureOf(base.replace(escaped(hashBytes), `${escaped(hashBytes)}%00`))).toBe('invalid info_hash: expected 20 bytes, got 21');
    expect(failureOf(base.replace(peerId, 'short'))).toBe('invalid peer_id: expected 20 bytes, got 5');
    expect(failureOf(base.replace(`info_hash=${escaped(hashBytes)}&`, ''))).toBe('missing info_hash');
    expect(failureOf(base.replace(`peer_id=${peerId}&`, ''))).toBe('missing peer_id');
  });

  test('error: malformed percent escapes', () => {
    const bad = ['%', '%4', '%zz', '%%41', `%4g${'a'.repeat(18)}`];
    for (const value of bad) {
      expect(failureOf(base.replace(escaped(hashBytes), value))).toBe('invalid info_hash: malformed percent-encoding');
    }
    expect(failureOf(`${base}&event=%zz`)).toMatch(/^invalid event/);
  });

  test('error: port, numbers, event', () => {
    for (const port of ['0', '65536', '-1', 'x', '', '1.5', '1e3']) {
      expect(failureOf(base.replace('port=6881', `port=${port}`))).toBe('invalid port: expected an integer from 1 to 65535');
    }
    expect(failureOf(base.replace('port=6881&', ''))).toBe('missing port');
    expect(failureOf(base.replace('&left=100', ''))).toBe('missing left: the number of bytes still to download');
    expect(failureOf(base.replace('left=100', 'left=9007199254740992'))).toBe('invalid left: expected a non-negative integer');
    expect(failureOf(base.replace('uploaded=0', 'uploaded=-5'))).toBe('invalid uploaded: expected a non-negative integer');
    expect(failureOf(`${base}&numwant=abc`)).toBe('invalid numwant: expected a non-negative integer');
    expect(failureOf(`${base}&event=seeding`)).toBe('invalid event: expected started, stopped, completed or empty');
  });

  test('error: query strings longer than the cap', () => {
    expect(failureOf(`${base}&pad=${'a'.repeat(MAX_QUERY_LENGTH)}`)).toMatch(/^query string too long: \d+ bytes, at most 4096$/);
  });
});

describe('parseScrapeQuery', () => {
  test('default', () => {
    const other = hashBytes.map((b) => b ^ 1);
    const parsed = parseScrapeQuery(`info_hash=${escaped(hashBytes)}&info_hash=${escaped(other)}&info_hash=${escaped(hashBytes)}`);
    expect(isFailure(parsed)).toBe(false);
    if (isFailure(parsed)) return;
    expect(parsed.infohashes.map((h) => new Uint8Array(h))).toEqual([hashBytes, other]);
  });

  test('error: no info_hash, a wrong length, malformed escape', () => {
    expect(parseScrapeQuery('')).toEqual({ failure: 'missing info_hash: scrape needs at least one (full scrape is not offered)' });
    expect(parseScrapeQuery(`info_hash=${escaped(hashBytes)}&info_hash=abc`)).toEqual({ failure: 'invalid info_hash: expected 20 bytes, got 3' });
    expect(parseScrapeQuery('info_hash=%GG')).toEqual({ failure: 'invalid info_hash: malformed percent-encoding' });
  });
});

describe('addresses', () => {
  test('default', () => {
    expect(normalizeAddress('1.2.3.4')).toBe('1.2.3.4');
    expect(normalizeAddress('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(normalizeAddress('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(normalizeAddress('fe80::1%eth0')).toBe('fe80::1');
  });

  test('error: not an address', () => {
    for (const bad of ['', 'localhost', '1.2.3', '1.2.3.4.5', '::gg', '256.1.1.1']) expect(normalizeAddress(bad)).toBeUndefined();
    expect(() => proxyTrust(['10.0.0.1', 'proxy.local'])).toThrow(/trustProxy entry is not an IP address: proxy.local/);
  });

  test('behavior: proxy trust policies', () => {
    expect(proxyTrust(false).trusts('127.0.0.1')).toBe(false);
    expect(proxyTrust(true).trusts('8.8.8.8')).toBe(true);
    const listed = proxyTrust(['::ffff:10.0.0.1']);
    expect(listed.trusts('10.0.0.1')).toBe(true);
    expect(listed.trusts('10.0.0.2')).toBe(false);
  });
});
