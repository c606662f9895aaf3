import { sha256 } from '@noble/hashes/sha2';
import Wire, { type ExtensionConstructor } from 'bittorrent-protocol';
import net from 'node:net';
import { Transform } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { encode } from '../bencode/index.ts';
import {
  getBackend,
  type KeyPair,
  keyPairFromSeed,
  type Receipt,
  receiptMessage,
  signReceipt,
  verifyReceipt,
} from '../receipts/index.ts';
import {
  DEFAULT_MAX_BYTES_PER_SECOND,
  DEFAULT_MAX_MESSAGES_PER_SECOND,
  type PbtsEvents,
  type PbtsExtensionOptions,
  type PbtsReceiptExtension,
  type PbtsWarning,
  pbtsExtension,
  pbtsOf,
} from './extension.ts';
import { decodeMessage, encodeMessage, EXTENSION_NAME, MAX_BATCH, MAX_MESSAGE_BYTES, type WireMessage } from './messages.ts';

const blst = getBackend('blst');
const uploader = keyPairFromSeed(blst, 'wire-extension-uploader');
const downloader = keyPairFromSeed(blst, 'wire-extension-downloader');
const stranger = keyPairFromSeed(blst, 'wire-extension-stranger');
const utf8 = (text: string) => new TextEncoder().encode(text);
const INFOHASH = sha256(utf8('wire extension torrent')).slice(0, 20);

/** A receipt the downloader signs for piece `pieceIndex` it got from the uploader. */
function signed(pieceIndex: number): Receipt {
  const fields = {
    infohash: INFOHASH,
    senderPk: uploader.publicKey,
    receiverPk: downloader.publicKey,
    pieceHash: sha256(utf8(`piece ${pieceIndex}`)),
    pieceIndex,
    pieceSize: 262_144,
    epoch: 493_000,
  };
  return signReceipt(blst, fields, downloader.secretKey);
}
const batch = Array.from({ length: MAX_BATCH }, (_, i) => signed(i));

/** One end of a connection: its wire, our extension on it, the warnings it emitted. */
interface Side {
  wire: Wire;
  ext: PbtsReceiptExtension;
  warnings: PbtsWarning[];
}

const opened: Wire[] = [];
afterEach(() => {
  for (const wire of opened.splice(0)) wire.destroy();
});

/** An extension with only a name: it takes an id, as ut_metadata or ut_pex would. */
function namedExtension(name: string): ExtensionConstructor {
  const Extension = class {};
  Object.defineProperty(Extension.prototype, 'name', { value: name });
  return Extension as unknown as ExtensionConstructor;
}

/** A wire with `before` other extensions used first (so ours gets id before + 1), then ours. */
function side(key: KeyPair, options: Partial<PbtsExtensionOptions> & { before?: number } = {}): Side {
  const { before = 0, ...rest } = options;
  const wire = plainWire(before);
  wire.use(pbtsExtension({ publicKey: key.publicKey, backend: blst, ...rest }));
  const ext = pbtsOf(wire)!;
  const warnings: PbtsWarning[] = [];
  ext.on('warning', (warning) => warnings.push(warning));
  return { wire, ext, warnings };
}

/** A wire without our extension: plain BitTorrent with BEP 10, as bittorrent-protocol speaks it. */
function plainWire(extensions = 0): Wire {
  const wire = new Wire();
  opened.push(wire);
  for (let i = 0; i < extensions; i++) wire.use(namedExtension(`x_other_${i}`));
  return wire;
}

function next<K extends keyof PbtsEvents>(ext: PbtsReceiptExtension, name: K): Promise<PbtsEvents[K]> {
  return new Promise((resolve) => {
    // The typed emitter's listener type is a union per event; any listener of the right arity fits.
    (ext.once as (event: K, listener: (...args: PbtsEvents[K]) => void) => unknown)(name, (...args) => resolve(args));
  });
}

function event(emitter: Wire, name: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(name, (...args: unknown[]) => resolve(args)));
}

/** Resolves once `wire` received the peer's extended handshake. */
function extendedHandshake(wire: Wire): Promise<void> {
  return new Promise((resolve) => {
    const on = (kind: unknown) => {
      if (kind !== 'handshake') return;
      wire.off('extended', on);
      resolve();
    };
    wire.on('extended', on);
  });
}

/** BitTorrent handshake from `a`, answered by `b`; resolves when both extended handshakes arrived. */
async function handshake(a: Wire, b: Wire): Promise<void> {
  b.once('handshake', () => b.handshake(INFOHASH, new Uint8Array(20).fill(2)));
  const done = Promise.all([extendedHandshake(a), extendedHandshake(b)]);
  a.handshake(INFOHASH, new Uint8Array(20).fill(1));
  await done;
}

/** Two sides piped in process and handshaken. */
async function connected(a: Side, b: Side): Promise<void> {
  a.wire.pipe(b.wire).pipe(a.wire);
  await handshake(a.wire, b.wire);
}

/** Resolves when the wire has fully closed (both directions). */
const closed = (wire: Wire) => (wire.destroyed ? Promise.resolve() : event(wire, 'close').then(() => undefined));

/** The receipt, batch, request and reject exchange both ways, as a transfer would use it. */
async function exchange(up: Side, down: Side): Promise<void> {
  const receipt = next(up.ext, 'receipt');
  expect(down.ext.sendReceipt(batch[3]!)).toBe(true);
  const [got] = await receipt;
  expect(got).toEqual(batch[3]);
  expect(verifyReceipt(blst, got)).toBe(true);

  const receipts = next(up.ext, 'batch');
  expect(down.ext.sendBatch(batch)).toBe(true);
  expect((await receipts)[0]).toEqual(batch);

  const request = next(down.ext, 'request');
  expect(up.ext.sendRequest(70_000)).toBe(true);
  expect(await request).toEqual([70_000]);

  const reject = next(down.ext, 'reject');
  expect(up.ext.sendReject(9, 'wrong_piece')).toBe(true);
  expect(await reject).toEqual([9, 'wrong_piece']);

  // Plain BitTorrent messages still flow beside ours.
  const have = event(up.wire, 'have');
  down.wire.have(42);
  expect(await have).toEqual([42]);
  expect([up.warnings, down.warnings]).toEqual([[], []]);
}

describe('in process: wireA.pipe(wireB).pipe(wireA)', () => {
  test('default: handshake, ready with each other’s key, receipts up, request and reject down', async () => {
    const up = side(uploader);
    const down = side(downloader);
    expect([up.ext.supported, up.ext.sendRequest(1)]).toEqual([false, false]);
    const ready = Promise.all([next(up.ext, 'ready'), next(down.ext, 'ready')]);
    await connected(up, down);
    const [[downPeer], [upPeer]] = await ready;
    expect(downPeer).toEqual({ publicKey: downloader.publicKey, version: 1 });
    expect(upPeer).toEqual({ publicKey: uploader.publicKey, version: 1 });
    expect(up.ext.supported && down.ext.supported).toBe(true);
    // BEP 10 as written: a flat `m` entry, and our key beside it.
    expect(up.wire.peerExtendedHandshake).toMatchObject({ m: { [EXTENSION_NAME]: 1 }, pbts_pk: downloader.publicKey, pbts_v: 1 });
    await exchange(up, down);
  });

  test('behavior: ids are negotiated: we receive on 3 while the peer receives on 7', async () => {
    const up = side(uploader, { before: 2 });
    const down = side(downloader, { before: 6 });
    const ids = { upToDown: [] as number[], downToUp: [] as number[] };
    // Parses the byte stream (68-byte handshake, then length-prefixed frames) for extended ids.
    const tap = (seen: number[]) => {
      let pending = Buffer.alloc(0);
      let skip = 68;
      return new Transform({
        transform(chunk: Buffer, _encoding, done) {
          pending = Buffer.concat([pending, chunk]);
          for (;;) {
            if (skip > 0) {
              const dropped = Math.min(skip, pending.length);
              pending = pending.subarray(dropped);
              skip -= dropped;
              if (skip > 0) break;
            }
            if (pending.length < 4 || pending.length < 4 + pending.readUInt32BE(0)) break;
            const length = pending.readUInt32BE(0);
            if (length >= 2 && pending[4] === 20) seen.push(pending[5]!);
            pending = pending.subarray(4 + length);
          }
          done(null, chunk);
        },
      });
    };
    up.wire.pipe(tap(ids.upToDown)).pipe(down.wire).pipe(tap(ids.downToUp)).pipe(up.wire);
    await handshake(up.wire, down.wire);
    expect(up.wire.extendedMapping[3]).toBe(EXTENSION_NAME);
    expect(down.wire.extendedMapping[7]).toBe(EXTENSION_NAME);
    expect(up.wire.peerExtendedMapping[EXTENSION_NAME]).toBe(7);
    expect(down.wire.peerExtendedMapping[EXTENSION_NAME]).toBe(3);
    await exchange(up, down);
    // Extended handshakes on 0, then each side's messages on the id the other chose.
    expect(ids.downToUp).toEqual([0, 3, 3]);
    expect(ids.upToDown).toEqual([0, 7, 7]);
  });

  test('behavior: a plain peer gets plain BitTorrent: no message of ours, no error', async () => {
    const up = side(uploader);
    const plain = plainWire(1);
    const extended: unknown[] = [];
    plain.on('extended', (kind: unknown) => extended.push(kind));
    const ready = () => expect.unreachable('a plain peer is never ready');
    up.ext.on('ready', ready);
    up.wire.pipe(plain).pipe(up.wire);
    await handshake(up.wire, plain);
    expect(up.ext.supported).toBe(false);
    expect([up.ext.sendReceipt(batch[0]!), up.ext.sendBatch(batch), up.ext.sendRequest(1), up.ext.sendReject(1, 'stale_epoch')]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    const have = event(plain, 'have');
    up.wire.have(5);
    expect(await have).toEqual([5]);
    const back = event(up.wire, 'have');
    plain.have(6);
    expect(await back).toEqual([6]);
    expect(extended).toEqual(['handshake']);
    expect(up.warnings).toEqual([]);
  });

  test('behavior: a peer without BEP 10 (reserved bit clear) is sent no extended message at all', async () => {
    const up = side(uploader);
    const sent: Buffer[] = [];
    up.wire.on('data', (chunk: Uint8Array) => sent.push(Buffer.from(chunk)));
    up.wire.once('handshake', () => up.wire.handshake(INFOHASH, new Uint8Array(20).fill(1)));
    const have = event(up.wire, 'have');
    up.wire.write(Buffer.concat([btHandshake(0), frame(4, u32(8))]));
    expect(await have).toEqual([8]);
    up.wire.have(9);
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(sent)).toEqual(Buffer.concat([btHandshake(0x10, 1), frame(4, u32(9))]));
    expect([up.ext.supported, up.warnings]).toEqual([false, []]);
  });

  test('behavior: a new extended handshake may move our id; one that drops the extension stops sends', async () => {
    const up = side(uploader);
    const down = side(downloader);
    await connected(up, down);
    const keys = { pbts_pk: uploader.publicKey, pbts_v: 1 };
    // The uploader now receives on 9 only: a message on the old id 1 would be dropped.
    delete up.wire.extendedMapping[1];
    up.wire.extendedMapping[9] = EXTENSION_NAME;
    const moved = extendedHandshake(down.wire);
    up.wire.extended(0, encode({ m: { [EXTENSION_NAME]: 9 }, ...keys }));
    await moved;
    expect(down.ext.supported).toBe(true);
    const request = next(up.ext, 'request');
    expect(down.ext.sendRequest(4)).toBe(true);
    expect(await request).toEqual([4]);
    const dropped = extendedHandshake(down.wire);
    up.wire.extended(0, encode({ m: { [EXTENSION_NAME]: 0 }, ...keys }));
    await dropped;
    expect([down.ext.supported, down.ext.sendRequest(4), down.warnings]).toEqual([false, false, []]);
  });

  test('error: send refuses arguments no peer could accept, supported or not', async () => {
    const up = side(uploader);
    const down = side(downloader);
    expect(() => down.ext.sendBatch([])).toThrow(RangeError);
    await connected(up, down);
    expect(() => down.ext.sendBatch([...batch, batch[0]!])).toThrow(/1 to 64/);
    expect(() => down.ext.sendRequest(-1)).toThrow(RangeError);
    expect(() => down.ext.sendReceipt({ ...batch[0]!, signature: new Uint8Array(1) })).toThrow(/signature/);
    expect(() => pbtsExtension({ publicKey: new Uint8Array(47) })).toThrow(/48 bytes/);
    expect(() => pbtsExtension({ publicKey: uploader.publicKey, maxBytesPerSecond: 1000 })).toThrow(/at least 18523/);
    expect(() => pbtsExtension({ publicKey: uploader.publicKey, maxMessagesPerSecond: 0 })).toThrow(/at least 1/);
  });
});

/** A victim with our extension and a hostile peer that also speaks it, connected and ready. */
async function hostilePair(options: Partial<PbtsExtensionOptions> = {}): Promise<{ victim: Side; hostile: Side; send(payload: Uint8Array): void }> {
  const victim = side(uploader, { before: 4, ...options });
  const hostile = side(downloader);
  await connected(victim, hostile);
  // Raw payloads on the id the victim chose, bypassing the hostile side's own encoder.
  const send = (payload: Uint8Array) => hostile.wire.extended(hostile.wire.peerExtendedMapping[EXTENSION_NAME]!, payload);
  return { victim, hostile, send };
}

/** Waits for the victim's warning and for the connection to close on both ends. */
async function disconnected(victim: Side, hostile: Side): Promise<PbtsWarning[]> {
  if (victim.warnings.length === 0) await next(victim.ext, 'warning');
  await Promise.all([closed(victim.wire), closed(hostile.wire)]);
  expect(victim.ext.supported).toBe(false);
  return victim.warnings;
}

describe('hostile peer', () => {
  const good = encodeMessage({ type: 'receipt', receipt: batch[0]! });
  const entry = { m: receiptMessage(batch[0]!), r: downloader.publicKey, s: batch[0]!.signature };
  const cases: Record<string, [payload: Uint8Array, code: PbtsWarning['code']]> = {
    truncated: [good.subarray(0, good.length - 10), 'malformed'],
    oversized: [new Uint8Array(MAX_MESSAGE_BYTES + 1), 'oversized'],
    'a 1 MB extended message': [new Uint8Array(1024 * 1024).fill(0x64), 'oversized'],
    'm of 125 bytes': [encode({ msg_type: 0, ...entry, m: new Uint8Array(125) }), 'malformed'],
    's of 48 bytes': [encode({ msg_type: 0, ...entry, s: new Uint8Array(48) }), 'malformed'],
    'unknown msg_type': [encode({ msg_type: 4, index: 1 }), 'unknown_type'],
    'deep nesting': [Buffer.from(`${'l'.repeat(9000)}${'e'.repeat(9000)}`), 'malformed'],
    'garbage bytes': [Uint8Array.from({ length: 777 }, (_, i) => (i * 197 + 13) & 0xff), 'malformed'],
    'an empty payload': [new Uint8Array(0), 'malformed'],
  };

  test.each(Object.entries(cases))('error: %s: a warning and a disconnect', async (_name, [payload, code]) => {
    const { victim, hostile, send } = await hostilePair();
    const received = (['receipt', 'batch', 'request', 'reject'] as const).map((name) => {
      const calls: unknown[] = [];
      victim.ext.on(name, (...args: unknown[]) => calls.push(args));
      return calls;
    });
    send(payload);
    send(encodeMessage({ type: 'request', index: 1 }));
    const warnings = await disconnected(victim, hostile);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe(code);
    expect(received.flat()).toEqual([]);
  });

  test('error: a message before the extended handshake', async () => {
    const victim = side(uploader);
    victim.wire.once('handshake', () => victim.wire.handshake(INFOHASH, new Uint8Array(20).fill(1)));
    const request = encodeMessage({ type: 'request', index: 1 });
    victim.wire.write(Buffer.concat([btHandshake(0x10), extendedFrame(1, request)]));
    const [warning] = await next(victim.ext, 'warning');
    expect(warning.code).toBe('unexpected');
    await closed(victim.wire);
  });

  test('error: a peer that never announced the extension sends on our id', async () => {
    const victim = side(uploader, { before: 1 });
    const plain = plainWire();
    victim.wire.pipe(plain).pipe(victim.wire);
    await handshake(victim.wire, plain);
    plain.extended(2, encodeMessage({ type: 'request', index: 1 }));
    const [warning] = await next(victim.ext, 'warning');
    expect(warning).toEqual({ code: 'unexpected', reason: expect.stringMatching(/before an extended handshake/) });
    await Promise.all([closed(victim.wire), closed(plain)]);
  });

  const badHandshakes: Record<string, (hostile: Wire) => void> = {
    'a 47-byte pbts_pk': (wire) => void (wire.extendedHandshake.pbts_pk = new Uint8Array(47)),
    'a pbts_pk off the curve': (wire) => void (wire.extendedHandshake.pbts_pk = new Uint8Array(48).fill(0x9a)),
    'the point at infinity as pbts_pk': (wire) => void (wire.extendedHandshake.pbts_pk = Uint8Array.from([0xc0, ...new Uint8Array(47)])),
    'no pbts_v': (wire) => void delete wire.extendedHandshake.pbts_v,
    'an id of 300': (wire) => {
      delete wire.extendedMapping[1];
      wire.extendedMapping[300] = EXTENSION_NAME;
    },
  };

  test.each(Object.entries(badHandshakes))('error: an extended handshake with %s', async (_name, spoil) => {
    const victim = side(uploader);
    const hostile = side(downloader);
    spoil(hostile.wire);
    const ready = () => expect.unreachable('not ready on a bad handshake');
    victim.ext.on('ready', ready);
    victim.wire.pipe(hostile.wire).pipe(victim.wire);
    victim.wire.once('handshake', () => victim.wire.handshake(INFOHASH, new Uint8Array(20).fill(1)));
    hostile.wire.handshake(INFOHASH, new Uint8Array(20).fill(2));
    const warnings = await disconnected(victim, hostile);
    expect(warnings.map((warning) => warning.code)).toEqual(['handshake']);
  });

  test('error: a second extended handshake that changes the public key', async () => {
    const { victim, hostile } = await hostilePair();
    hostile.wire.extended(0, encode({ m: { [EXTENSION_NAME]: 1 }, pbts_pk: stranger.publicKey, pbts_v: 1 }));
    const warnings = await disconnected(victim, hostile);
    expect(warnings).toEqual([{ code: 'handshake', reason: 'public key changed' }]);
  });

  test('behavior: a deeply nested extended handshake is dropped by the wire: never ready, no throw', async () => {
    const victim = side(uploader);
    victim.wire.once('handshake', () => victim.wire.handshake(INFOHASH, new Uint8Array(20).fill(1)));
    const nested = Buffer.from(`d1:m${'l'.repeat(100_000)}${'e'.repeat(100_000)}e`);
    const have = event(victim.wire, 'have');
    victim.wire.write(Buffer.concat([btHandshake(0x10), extendedFrame(0, nested), frame(4, u32(3))]));
    expect(await have).toEqual([3]);
    expect([victim.ext.supported, victim.warnings]).toEqual([false, []]);
  });

  test(`error: flood: over ${DEFAULT_MAX_MESSAGES_PER_SECOND} messages in a second`, async () => {
    let clock = 0;
    const { victim, hostile, send } = await hostilePair({ now: () => clock });
    const requests: unknown[] = [];
    victim.ext.on('request', (index) => requests.push(index));
    const request = encodeMessage({ type: 'request', index: 1 });
    for (let i = 0; i < DEFAULT_MAX_MESSAGES_PER_SECOND; i++) send(request);
    await new Promise((resolve) => setImmediate(resolve));
    // A second later the bucket is full again.
    clock += 1000;
    for (let i = 0; i < DEFAULT_MAX_MESSAGES_PER_SECOND; i++) send(request);
    await new Promise((resolve) => setImmediate(resolve));
    expect([requests.length, victim.warnings]).toEqual([2 * DEFAULT_MAX_MESSAGES_PER_SECOND, []]);
    send(request);
    const warnings = await disconnected(victim, hostile);
    expect(warnings.map((warning) => warning.code)).toEqual(['flood']);
    expect(requests).toHaveLength(2 * DEFAULT_MAX_MESSAGES_PER_SECOND);
  });

  test(`error: flood: over ${DEFAULT_MAX_BYTES_PER_SECOND} bytes in a second`, async () => {
    const { victim, hostile, send } = await hostilePair({ now: () => 0 });
    const full = encodeMessage({ type: 'batch', receipts: batch });
    const fitting = Math.floor(DEFAULT_MAX_BYTES_PER_SECOND / full.length);
    expect(fitting).toBe(56);
    let batches = 0;
    victim.ext.on('batch', () => batches++);
    for (let i = 0; i <= fitting; i++) send(full);
    const warnings = await disconnected(victim, hostile);
    expect([batches, warnings.map((warning) => warning.code)]).toEqual([fitting, ['flood']]);
  });
});

/** A deterministic PRNG (the mixer of splitmix32). */
function seeded(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) % n;
  };
}

/** Payloads around our messages: random bytes, flipped, cut or padded messages, random dicts. */
function fuzzPayloads(count: number, seed: number): Uint8Array[] {
  const random = seeded(seed);
  const bytes = (length: number) => Uint8Array.from({ length }, () => random(256));
  const valid: WireMessage[] = [
    { type: 'receipt', receipt: batch[1]! },
    { type: 'batch', receipts: batch.slice(0, 1 + random(8)) },
    { type: 'request', index: 77 },
    { type: 'reject', index: 77, reason: 'bad_signature' },
  ];
  const keys = ['msg_type', 'm', 'r', 's', 'receipts', 'index', 'reason', 'x'];
  const value = (depth: number): Parameters<typeof encode>[0] => {
    switch (random(depth > 2 ? 3 : 5)) {
      case 0:
        return random(2) ? random(8) - 2 : random(2 ** 31) * 2 ** random(22);
      case 1:
        return bytes([0, 1, 47, 48, 49, 95, 96, 97, 123, 124, 125][random(11)]!);
      case 2:
        return receiptMessage(batch[random(4)]!);
      case 3:
        return Array.from({ length: random(4) }, () => value(depth + 1));
      default:
        return Object.fromEntries(Array.from({ length: random(5) }, () => [keys[random(keys.length)]!, value(depth + 1)]));
    }
  };
  return Array.from({ length: count }, () => {
    const message = encodeMessage(valid[random(valid.length)]!);
    switch (random(5)) {
      case 0:
        return bytes(random(400));
      case 1: {
        const flipped = Uint8Array.from(message);
        for (let n = 1 + random(4); n > 0; n--) {
          const at = random(flipped.length);
          flipped[at] = flipped[at]! ^ (1 << random(8));
        }
        return flipped;
      }
      case 2:
        return message.subarray(0, random(message.length));
      case 3: {
        const at = random(message.length);
        return Buffer.concat([message.subarray(0, at), bytes(1 + random(20)), message.subarray(at)]);
      }
      default:
        return encode({ msg_type: random(6) - 1, ...(value(1) as object) });
    }
  });
}

describe('fuzz', () => {
  test('behavior: 3000 seeded payloads straight into decodeMessage: never a throw; what decodes re-encodes the same', () => {
    const outcomes = new Map<string, number>();
    for (const payload of fuzzPayloads(3000, 1)) {
      const result = decodeMessage(payload);
      const key = result.ok ? result.message.type : result.error.code;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (result.ok) expect(Buffer.from(encodeMessage(result.message))).toEqual(Buffer.from(payload));
    }
    expect(outcomes.get('malformed')).toBeGreaterThan(1000);
    expect(outcomes.get('unknown_type')).toBeGreaterThan(10);
  });

  test('behavior: 300 seeded payloads over wires: each a message event, or a warning and a disconnect', async () => {
    const outcomes = new Map<string, number>();
    for (const payload of fuzzPayloads(300, 2)) {
      const { victim, hostile, send } = await hostilePair();
      const outcome = new Promise<string>((resolve) => {
        for (const name of ['receipt', 'batch', 'request', 'reject', 'warning'] as const) victim.ext.once(name, () => resolve(name));
      });
      send(payload);
      const name = await outcome;
      if (name === 'warning') await disconnected(victim, hostile);
      else expect(victim.ext.supported).toBe(true);
      outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
      victim.wire.destroy();
    }
    expect(outcomes.get('warning')).toBeGreaterThan(200);
  });
});

describe('over TCP on 127.0.0.1', () => {
  /** A listening server whose connections each get `accept`; closed with every socket after the test. */
  async function listen(accept: (socket: net.Socket) => void): Promise<{ port: number; errors: Error[] }> {
    const errors: Error[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      socket.on('error', (error) => errors.push(error));
      accept(socket);
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return { port: (server.address() as net.AddressInfo).port, errors };
  }

  async function dial(port: number): Promise<net.Socket> {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  }

  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  test('default: the same exchange over a real socket, with ids 3 and 7', async () => {
    const down = side(downloader, { before: 6 });
    const { port, errors } = await listen((socket) => socket.pipe(down.wire).pipe(socket));
    down.wire.once('handshake', () => down.wire.handshake(INFOHASH, new Uint8Array(20).fill(2)));
    const up = side(uploader, { before: 2 });
    const socket = await dial(port);
    socket.on('error', (error) => errors.push(error));
    socket.pipe(up.wire).pipe(socket);
    const ready = Promise.all([next(up.ext, 'ready'), next(down.ext, 'ready')]);
    up.wire.handshake(INFOHASH, new Uint8Array(20).fill(1));
    await ready;
    expect([up.wire.peerExtendedMapping[EXTENSION_NAME], down.wire.peerExtendedMapping[EXTENSION_NAME]]).toEqual([7, 3]);
    await exchange(up, down);
    const gone = new Promise((resolve) => socket.once('close', resolve));
    up.wire.end();
    await gone;
    await closed(down.wire);
    expect(errors).toEqual([]);
  });

  test('error: a raw client sends a 1 MB message, then garbage: a warning, the socket closed, nothing thrown', async () => {
    const victim = side(uploader, { before: 2 });
    const { port } = await listen((socket) => socket.pipe(victim.wire).pipe(socket));
    victim.wire.once('handshake', () => victim.wire.handshake(INFOHASH, new Uint8Array(20).fill(1)));
    const socket = await dial(port);
    socket.on('error', () => {});
    // Read (and drop) what the victim sends, or its end would never be seen.
    socket.resume();
    const ended = new Promise((resolve) => socket.once('end', resolve));
    const announce = encode({ m: { [EXTENSION_NAME]: 1 }, pbts_pk: downloader.publicKey, pbts_v: 1 });
    socket.write(Buffer.concat([btHandshake(0x10), extendedFrame(0, announce)]));
    await next(victim.ext, 'ready');
    socket.write(extendedFrame(3, new Uint8Array(1024 * 1024)));
    socket.write(Buffer.from('garbage after the big one'));
    const [warning] = await next(victim.ext, 'warning');
    expect(warning.code).toBe('oversized');
    await ended;
    expect(victim.warnings).toHaveLength(1);
  });

  test('error: a raw client sends on our id before any extended handshake', async () => {
    const victim = side(uploader);
    const { port } = await listen((socket) => socket.pipe(victim.wire).pipe(socket));
    victim.wire.once('handshake', () => victim.wire.handshake(INFOHASH, new Uint8Array(20).fill(1)));
    const socket = await dial(port);
    socket.on('error', () => {});
    // Read (and drop) what the victim sends, or its end would never be seen.
    socket.resume();
    const ended = new Promise((resolve) => socket.once('end', resolve));
    socket.write(Buffer.concat([btHandshake(0x10), extendedFrame(1, encodeMessage({ type: 'request', index: 1 }))]));
    const [warning] = await next(victim.ext, 'warning');
    expect(warning.code).toBe('unexpected');
    await ended;
  });
});

/** The BitTorrent handshake with reserved byte 5 = `reserved5` (0x10: BEP 10) from peer id `peer`. */
function btHandshake(reserved5: number, peer = 9): Buffer {
  const reserved = new Uint8Array(8);
  reserved[5] = reserved5;
  return Buffer.concat([Buffer.from('\x13BitTorrent protocol', 'latin1'), reserved, INFOHASH, new Uint8Array(20).fill(peer)]);
}

/** A length-prefixed peer-wire message. */
function frame(id: number, body: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(1 + body.length);
  head[4] = id;
  return Buffer.concat([head, body]);
}

const extendedFrame = (extId: number, payload: Uint8Array) => frame(20, Buffer.concat([Uint8Array.of(extId), payload]));

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}
