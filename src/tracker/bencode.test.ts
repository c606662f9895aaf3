import bencode from 'bencode';
import { describe, expect, test } from 'vitest';
import { bencodedResponse, encode, failure } from './bencode.ts';

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

describe('responses', () => {
  test('default', async () => {
    const res = bencodedResponse({ complete: 1 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('d8:completei1ee');
  });

  test('behavior: failure is HTTP 200 with a failure reason', async () => {
    const res = failure('invalid port');
    expect(res.status).toBe(200);
    expect(bencode.decode(new Uint8Array(await res.arrayBuffer()))).toEqual({ 'failure reason': new TextEncoder().encode('invalid port') });
  });
});
