import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { MAX_MESSAGE_LENGTH, outgoingWire } from './wire.ts';

const BLOCK = 16 * 1024;

/** A peer's side of a plain connection: its handshake, then a `piece` message per block. */
function stream(blocks: Buffer[]): Buffer {
  const handshake = Buffer.concat([Buffer.from([19]), Buffer.from('BitTorrent protocol'), Buffer.alloc(8), randomBytes(20), randomBytes(20)]);
  const pieces = blocks.map((block, i) => {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(9 + block.length, 0);
    header[4] = 7;
    header.writeUInt32BE(0, 5);
    header.writeUInt32BE(i * BLOCK, 9);
    return Buffer.concat([header, block]);
  });
  return Buffer.concat([handshake, ...pieces]);
}

/** Feeds `data` to a new wire in chunks of the given sizes; resolves with the blocks it parsed. */
async function feed(data: Buffer, sizes: number[]): Promise<{ chunks: Buffer[]; blocks: { offset: number; block: Uint8Array }[]; destroyed: boolean }> {
  const wire = outgoingWire('disable', false);
  const blocks: { offset: number; block: Uint8Array }[] = [];
  wire.on('piece', (_index: number, offset: number, block: Uint8Array) => blocks.push({ offset, block }));
  wire.on('error', () => {});
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    // Each chunk its own allocation, as a socket read is.
    const chunk = Buffer.from(data.subarray(at, at + sizes[i % sizes.length]!));
    chunks.push(chunk);
    at += chunk.length;
    wire.write(chunk);
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  const destroyed = wire.destroyed;
  wire.destroy();
  return { chunks, blocks, destroyed };
}

describe('BoundedWire', () => {
  test('behavior: blocks split across reads all parse, and those within one read are not copied', async () => {
    const blocks = Array.from({ length: 24 }, () => randomBytes(BLOCK));
    // 64 KiB reads, as a socket delivers them, and odd sizes that cut headers and blocks anywhere.
    for (const sizes of [[65536], [1000, 70_001, 13, 40_000], [7]]) {
      const { chunks, blocks: parsed } = await feed(stream(blocks), sizes);
      expect(parsed.map((p) => p.offset)).toEqual(blocks.map((_, i) => i * BLOCK));
      parsed.forEach((p, i) => expect(Buffer.from(p.block).equals(blocks[i]!)).toBe(true));
      if (sizes[0] === 65536) {
        // Past the first read, a block that starts and ends inside one read is a view of it.
        const inPlace = parsed.filter((p) => chunks.slice(1).some((chunk) => p.block.buffer === chunk.buffer));
        expect(inPlace.length).toBeGreaterThan(blocks.length / 2);
      }
    }
  });

  test('error: a message longer than MAX_MESSAGE_LENGTH closes the wire', async () => {
    const data = stream([]);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(MAX_MESSAGE_LENGTH + 1, 0);
    header[4] = 7;
    const { blocks, destroyed } = await feed(Buffer.concat([data, header, Buffer.alloc(100)]), [30]);
    expect(blocks).toEqual([]);
    expect(destroyed).toBe(true);
  });
});
