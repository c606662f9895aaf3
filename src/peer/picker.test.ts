import { describe, expect, test } from 'vitest';
import { Bitfield } from './bitfield.ts';
import { BLOCK_LENGTH, Picker } from './picker.ts';

const PIECE = 4 * BLOCK_LENGTH;
const all = () => true;

/** A picker over `pieces` pieces of four blocks (the last one shorter). */
function picker(pieces: number, options = {}) {
  const size = (index: number) => (index === pieces - 1 ? PIECE - 100 : PIECE);
  return new Picker<string>(new Bitfield(pieces), size, options);
}

describe('Picker', () => {
  test('default', () => {
    const p = picker(2);
    const blocks = p.pick('a', all, 8);
    // Both pieces (equally rare, so in random order), each block once, in order within a piece.
    expect(blocks.map((b) => `${b.index}:${b.offset / BLOCK_LENGTH}`).sort()).toEqual(['0:0', '0:1', '0:2', '0:3', '1:0', '1:1', '1:2', '1:3']);
    expect(blocks.filter((b) => b.index === 0).map((b) => b.offset)).toEqual([0, 1, 2, 3].map((i) => i * BLOCK_LENGTH));
    expect(blocks.find((b) => b.index === 1 && b.offset === 3 * BLOCK_LENGTH)!.length).toBe(BLOCK_LENGTH - 100);
    let assembled;
    for (const block of blocks.filter((b) => b.index === 0)) {
      const result = p.receive('a', block.index, block.offset, new Uint8Array(block.length).fill(block.offset / BLOCK_LENGTH));
      expect(result!.cancel).toEqual([]);
      assembled = result!.piece;
    }
    expect(assembled!.index).toBe(0);
    expect(assembled!.blockSenders).toEqual(['a', 'a', 'a', 'a']);
    expect([...assembled!.data.subarray(BLOCK_LENGTH - 1, BLOCK_LENGTH + 1)]).toEqual([0, 1]);
    expect(p.wants(0)).toBe(false);
    p.verified(0);
    expect(p.have.has(0)).toBe(true);
  });

  test('behavior: rarest first, and a peer finishes its own piece before helping with others', () => {
    const p = picker(3);
    // Piece 2 is held by one peer, pieces 0 and 1 by two.
    for (const index of [0, 0, 1, 1, 2]) p.addAvailability(index);
    expect(p.pick('a', all, 1)).toEqual([{ index: 2, offset: 0, length: BLOCK_LENGTH }]);
    expect(new Set(p.pick('b', all, 4).map((b) => b.index)).has(2)).toBe(false);
    expect(p.pick('a', all, 3).map((b) => b.index)).toEqual([2, 2, 2]);
  });

  test('behavior: endgame asks a second peer for blocks already asked for, and cancels the loser', () => {
    const p = picker(1);
    expect(p.pick('a', all, 4)).toHaveLength(4);
    expect(p.pick('b', all, 4)).toHaveLength(4);
    // At most two peers per block by default.
    expect(p.pick('c', all, 4)).toHaveLength(0);
    const result = p.receive('b', 0, 0, new Uint8Array(BLOCK_LENGTH));
    expect(result!.cancel).toEqual(['a']);
    // The block is settled: a late copy from a is dropped.
    expect(p.receive('a', 0, 0, new Uint8Array(BLOCK_LENGTH))).toBeUndefined();
  });

  test('behavior: a released block goes to others first when its peer was slow', () => {
    const p = picker(1);
    p.pick('a', all, 2);
    p.release('a', 0, 0, true);
    p.release('a', 0, BLOCK_LENGTH);
    expect(p.pick('a', all, 1)).toEqual([{ index: 0, offset: BLOCK_LENGTH, length: BLOCK_LENGTH }]);
    expect(p.pick('b', all, 1)).toEqual([{ index: 0, offset: 0, length: BLOCK_LENGTH }]);
  });

  test('behavior: a peer that leaves hands its pieces over; a failed piece is wanted again', () => {
    const p = picker(2);
    p.addAvailability(0);
    const picked = p.pick('a', (i) => i === 0, 2);
    p.removePeer('a', (i) => i === 0);
    expect(p.pick('b', all, 2)).toEqual(picked);
    for (const { index, offset, length } of p.pick('b', all, 2)) p.receive('b', index, offset, new Uint8Array(length));
    let done;
    for (const { index, offset, length } of picked) done = p.receive('b', index, offset, new Uint8Array(length))?.piece ?? done;
    expect(done!.index).toBe(0);
    p.failed(0);
    expect(p.wants(0)).toBe(true);
    expect(p.interesting((i) => i === 0)).toBe(true);
  });

  test('behavior: pieces in progress are bounded in memory', () => {
    const p = picker(10, { maxActiveBytes: 2 * PIECE });
    expect(new Set(p.pick('a', all, 40).map((b) => b.index)).size).toBe(2);
  });

  test('behavior: a recycled buffer carries the next full-size piece, every byte of it new', () => {
    const p = picker(3);
    const assemble = (peer: string, fill: number) => {
      let piece;
      for (const { index, offset, length } of p.pick(peer, (i) => i < 2, 4)) piece = p.receive(peer, index, offset, new Uint8Array(length).fill(fill))?.piece ?? piece;
      return piece!;
    };
    const first = assemble('a', 1);
    p.verified(first.index);
    first.data.fill(0xee);
    p.recycle(first.data);
    const second = assemble('a', 2);
    expect(second.data.buffer).toBe(first.data.buffer);
    expect(second.data.every((byte) => byte === 2)).toBe(true);
    // The last piece is shorter: its buffer is not kept for full-size ones.
    p.recycle(Buffer.alloc(PIECE - 100));
    expect(p.pick('b', (i) => i === 2, 4).every((b) => b.index === 2)).toBe(true);
  });

  test('error: blocks nobody asked for, of the wrong size or offset, are dropped', () => {
    const p = picker(2);
    p.pick('a', (i) => i === 0, 1);
    expect(p.receive('b', 0, 0, new Uint8Array(BLOCK_LENGTH))).toBeUndefined();
    expect(p.receive('a', 0, 0, new Uint8Array(100))).toBeUndefined();
    expect(p.receive('a', 0, 5, new Uint8Array(BLOCK_LENGTH))).toBeUndefined();
    expect(p.receive('a', 1, 0, new Uint8Array(BLOCK_LENGTH))).toBeUndefined();
    expect(p.receive('a', 0, 0, new Uint8Array(BLOCK_LENGTH))!.cancel).toEqual([]);
  });
});
