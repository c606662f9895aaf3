import bencode from 'bencode';
import { describe, expect, test } from 'vitest';
import { bencodedResponse, failure } from './bencode.ts';

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
