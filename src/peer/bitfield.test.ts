import { describe, expect, test } from 'vitest';
import { Bitfield } from './bitfield.ts';

describe('Bitfield', () => {
  test('default', () => {
    const bits = new Bitfield(10);
    expect(bits.bytes).toEqual(new Uint8Array(2));
    expect(bits.set(0)).toBe(true);
    expect(bits.set(9)).toBe(true);
    expect(bits.set(9)).toBe(false);
    // BEP 3 layout: piece 0 is the high bit of byte 0.
    expect([...bits.bytes]).toEqual([0x80, 0x40]);
    expect([bits.has(0), bits.has(1), bits.has(9), bits.count, bits.full]).toEqual([true, false, true, 2, false]);
    expect(bits.set(0, false)).toBe(true);
    expect(bits.count).toBe(1);
  });

  test('behavior: indices outside the field are never set', () => {
    const bits = new Bitfield(3);
    for (const index of [-1, 3, 1.5, Number.NaN]) {
      expect(bits.set(index)).toBe(false);
      expect(bits.has(index)).toBe(false);
    }
    [0, 1, 2].forEach((i) => bits.set(i));
    expect(bits.full).toBe(true);
    expect([...bits.bytes]).toEqual([0xe0]);
  });
});
