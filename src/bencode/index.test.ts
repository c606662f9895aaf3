import bencode from 'bencode';
import { describe, expect, test } from 'vitest';
import { BencodeError, decode, encode, rawValue } from './index.ts';

describe('encode', () => {
  test('default', () => {
    const value = { peers: new Uint8Array([1, 2, 255]), interval: 1800, name: 'é', list: [0, -3, 'x', {}] };
    expect(encode(value).toString('latin1')).toBe('d8:intervali1800e4:listli0ei-3e1:xdee4:name2:\xc3\xa95:peers3:\x01\x02\xffe');
    expect(bencode.decode(encode(value))).toEqual({ ...value, name: new TextEncoder().encode('é'), list: [0, -3, new Uint8Array([0x78]), {}] });
  });

  test('behavior: dict keys are raw bytes, sorted by byte, undefined values left out', () => {
    const binaryKey = '\xff\x00\x80';
    const encoded = encode({ [binaryKey]: 1, b: undefined, a: 2 });
    expect([...encoded]).toEqual([...Buffer.from('d1:ai2e3:', 'latin1'), 0xff, 0x00, 0x80, ...Buffer.from('i1ee', 'latin1')]);
  });

  test('error: integers must be safe', () => {
    expect(() => encode(1.5)).toThrow(/not a safe integer/);
    expect(() => encode(Number.NaN)).toThrow(/not a safe integer/);
  });
});

describe('decode', () => {
  const bytes = (text: string) => Buffer.from(text, 'latin1');

  test('default: what encode writes decodes back, byte strings as bytes', () => {
    const value = { peers: new Uint8Array([1, 2, 255]), interval: 1800, list: [0, -3, new Uint8Array([0x78]), {}] };
    expect(decode(encode(value))).toEqual(value);
    expect(decode(bytes('i-42e'))).toBe(-42);
    expect(decode(bytes('0:'))).toEqual(new Uint8Array());
  });

  test('behavior: agrees with the bencode package on a .torrent-shaped value', () => {
    const torrent = { announce: 'http://127.0.0.1/announce', info: { length: 1_048_576, name: 'file.bin', 'piece length': 262_144, pieces: new Uint8Array(80).fill(7) } };
    const encoded = encode(torrent);
    expect(decode(encoded)).toEqual(bencode.decode(encoded));
  });

  test('behavior: rawValue gives the exact bytes of a top-level value (the info dict of a torrent)', () => {
    const info = { length: 3, name: 'x', 'piece length': 16_384, pieces: new Uint8Array(20) };
    const encoded = encode({ announce: 'a', info, 'z-after': 1 });
    expect(Buffer.from(rawValue(encoded, 'info')!)).toEqual(encode(info));
    expect(rawValue(encoded, 'missing')).toBeUndefined();
    expect(rawValue(encode([1]), 'info')).toBeUndefined();
  });

  test('behavior: a dict key named __proto__ is a plain key', () => {
    const value = decode(bytes('d9:__proto__i1ee')) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each([
    ['', 'unexpected end'],
    ['i01e', 'leading zero'],
    ['i-0e', 'negative zero'],
    ['ie', 'expected digits'],
    ['i12', 'unexpected end'],
    ['i99999999999999999e', 'number too large'],
    ['5:abc', 'string longer than the input'],
    ['d1:ai1e1:ai2ee', 'duplicate key "a"'],
    ['li1e', 'unterminated list'],
    ['i1ei2e', 'trailing bytes'],
    ['x', 'expected digits'],
    ['d', 'unterminated dict'],
  ])('error: %j is refused (%s)', (input, reason) => {
    expect(() => decode(bytes(input))).toThrow(BencodeError);
    expect(() => decode(bytes(input))).toThrow(reason);
  });

  test('error: nesting and item counts are bounded', () => {
    expect(() => decode(bytes(`${'l'.repeat(40)}${'e'.repeat(40)}`))).toThrow(/nested too deeply/);
    expect(decode(bytes(`${'l'.repeat(5)}${'e'.repeat(5)}`), { maxDepth: 5 })).toBeDefined();
    expect(() => decode(bytes(`l${'i1e'.repeat(20)}e`), { maxItems: 10 })).toThrow(/too many items/);
  });
});
