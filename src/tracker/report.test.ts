import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  aggregateReceipts,
  currentEpoch,
  getBackend,
  keyPairFromSeed,
  type Receipt,
  type ReceiptFields,
  type ReceiptJson,
  receiptId,
  receiptToJson,
  signReceipt,
  VerifyPool,
} from '../receipts/index.ts';
import { encodeReport } from '../receipts/report-codec.ts';
import { openStore, type Store } from '../store/index.ts';
import { resolveConfig } from './config.ts';
import { MAX_RECEIPTS_PER_REPORT, MAX_REPORT_BYTES, createReporter, reportRoutes } from './report.ts';

const backend = getBackend('blst');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const KiB = 1024;
const INITIAL = 1_000_000;
const config = resolveConfig({ initialCredit: INITIAL, epochSeconds: 3600, windowEpochs: 24 });
const START = 1_700_000_000_000;

// Keys 0..3 are registered as alice (the uploader), bob, carol, dave; 9 is never registered.
const keys = Array.from({ length: 10 }, (_, i) => keyPairFromSeed(backend, 'report-test', i));
const NAMES = ['alice', 'bob', 'carol', 'dave'];
const pk = (i: number) => keys[i]!.publicKey;

interface ReceiptOptions {
  sender?: number;
  receiver?: number;
  pieceIndex?: number;
  pieceSize?: number;
  epoch?: number;
}

// Every case both ways: parsed inline, and on a verify worker as the running tracker does.
describe.each(['inline', 'worker'] as const)('POST /report (%s parse)', (parse) => {
  let pool: VerifyPool;
  let store: Store;
  let app: Hono;
  let clock: number;
  const epochNow = () => currentEpoch(config.epochSeconds, clock);

  beforeAll(() => {
    pool = new VerifyPool({ size: 2, backend: 'blst' });
  });
  afterAll(() => pool.close());
  beforeEach(() => {
    clock = START;
    store = openStore({ dataDir: ':memory:' });
    NAMES.forEach((userId, i) => store.createUser({ userId, publicKey: pk(i), uploaded: INITIAL }));
    const parser = parse === 'worker' ? pool.checkReport.bind(pool) : undefined;
    app = new Hono().route('/', reportRoutes(createReporter({ store, config, pool, parser, now: () => clock })));
  });
  afterEach(() => store.close());

  /** A receipt from `receiver` (signer) for a piece uploaded by `sender`; alice to bob by default. */
  function receipt(options: ReceiptOptions = {}): Receipt {
    const { sender = 0, receiver = 1, pieceIndex = 0, pieceSize = 16 * KiB, epoch = epochNow() } = options;
    const fields = {
      infohash: new Uint8Array(20).fill(7),
      senderPk: pk(sender),
      receiverPk: pk(receiver),
      pieceHash: createHash('sha256').update(`piece ${pieceIndex}`).digest(),
      pieceIndex,
      pieceSize,
      epoch,
    };
    return signReceipt(backend, fields, keys[receiver]!.secretKey);
  }

  /** The report body for `receipts`, signed by their aggregate unless `extra` overrides. */
  function body(receipts: Receipt[], extra: Record<string, unknown> = {}) {
    return {
      receipts: receipts.map(receiptToJson),
      aggregate_signature: hex(aggregateReceipts(backend, receipts)),
      ...extra,
    };
  }

  const post = (payload: unknown) =>
    app.request('/report', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  const user = (i: number) => store.userById(NAMES[i]!)!;

  /** Posts `payload`, expects a refusal, and checks that nothing in the store changed. */
  async function expectRefused(payload: unknown, status: number, error: string, index?: number) {
    const before = store.stats();
    const res = await post(payload);
    const json = (await res.json()) as { error: string; reason: string; index?: number };
    expect({ status: res.status, error: json.error, index: json.index }).toEqual({ status, error, index });
    expect(json.reason).toEqual(expect.any(String));
    expect(store.stats()).toEqual(before);
    return json;
  }

  test('default', async () => {
    const receipts = [
      receipt({ receiver: 1, pieceIndex: 0, pieceSize: 16 * KiB }),
      receipt({ receiver: 2, pieceIndex: 1, pieceSize: 1024 * KiB }),
      receipt({ receiver: 1, pieceIndex: 2, pieceSize: 256 * KiB }),
    ];
    const res = await post(body(receipts));
    expect(res.status).toBe(200);
    const sent = 16 * KiB + 1024 * KiB + 256 * KiB;
    expect(await res.json()).toEqual({
      report_id: 1,
      accepted: 3,
      credited_bytes: sent,
      sender: { user_id: 'alice', public_key: hex(pk(0)), uploaded: INITIAL + sent, downloaded: 0, ratio: null },
      receivers: [
        {
          user_id: 'bob',
          public_key: hex(pk(1)),
          uploaded: INITIAL,
          downloaded: 272 * KiB,
          ratio: INITIAL / (272 * KiB),
        },
        {
          user_id: 'carol',
          public_key: hex(pk(2)),
          uploaded: INITIAL,
          downloaded: 1024 * KiB,
          ratio: INITIAL / (1024 * KiB),
        },
      ],
    });
    expect(user(3)).toMatchObject({ uploaded: INITIAL, downloaded: 0 });
    expect(store.stats()).toMatchObject({ uploaded: 4 * INITIAL + sent, downloaded: sent, spentIds: 3, reports: 1 });
    for (const r of receipts) expect(store.isSpent(receiptId(r))).toBe(true);
  });

  test('behavior: an explicit sender_pk and epochs at both ends of the window', async () => {
    const receipts = [
      receipt({ pieceIndex: 0, epoch: epochNow() - config.windowEpochs }),
      receipt({ pieceIndex: 1, epoch: epochNow() }),
    ];
    const res = await post(body(receipts, { sender_pk: hex(pk(0)) }));
    expect(res.status).toBe(200);
    expect(user(0).uploaded).toBe(INITIAL + 32 * KiB);
  });

  test('behavior: the client\'s encodeReport body is read as the same receipts and aggregate', async () => {
    const receipts = [receipt({ receiver: 1, pieceIndex: 0 }), receipt({ receiver: 2, pieceIndex: 1 })];
    const aggregate = aggregateReceipts(backend, receipts);
    let seen: { receipts: readonly ReceiptFields[]; signature: Uint8Array } | undefined;
    const verifyAggregate = async (parsed: readonly ReceiptFields[], signature: Uint8Array) => {
      seen = { receipts: parsed, signature };
      return true;
    };
    const report = createReporter({ store, config, pool: { verifyAggregate }, now: () => clock });
    // As the server's fast path hands it the body: parsed once with JSON.parse.
    const answer = await report(JSON.parse(encodeReport(receipts, aggregate)));
    expect(answer).toMatchObject({ status: 200, body: { accepted: 2, credited_bytes: 32 * KiB } });
    // The verifier needs the signed fields and the aggregate, not each receipt's own signature.
    // As JSON (the helper's piece hashes are Buffers, the parser's plain Uint8Arrays), less the signature.
    const signed = (fields: ReceiptFields) => ({ ...receiptToJson({ ...fields, signature: new Uint8Array(96) }), signature: undefined });
    expect(seen!.receipts.map(signed)).toEqual(receipts.map(signed));
    expect(hex(seen!.signature)).toBe(hex(aggregate));
  });

  test('error: the same receipt twice in one report', async () => {
    const r = receipt();
    await expectRefused(body([r, receipt({ pieceIndex: 1 }), r]), 422, 'duplicate_receipt', 2);
    expect(store.isSpent(receiptId(r))).toBe(false);
  });

  test('error: the same report twice is credited once', async () => {
    const payload = body([receipt(), receipt({ receiver: 2, pieceIndex: 1 })]);
    expect((await post(payload)).status).toBe(200);
    const after = { alice: user(0), bob: user(1), carol: user(2) };
    await expectRefused(payload, 409, 'already_spent', 0);
    expect({ alice: user(0), bob: user(1), carol: user(2) }).toEqual(after);
    expect(user(0).uploaded).toBe(INITIAL + 32 * KiB);
  });

  test('behavior: 20 identical reports sent concurrently are credited once', async () => {
    const payload = body([receipt(), receipt({ receiver: 2, pieceIndex: 1 }), receipt({ pieceIndex: 2 })]);
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(payload)));
    const statuses = responses.map((res) => res.status).sort();
    expect(statuses).toEqual([200, ...Array(19).fill(409)]);
    expect(user(0).uploaded).toBe(INITIAL + 48 * KiB);
    expect(user(1).downloaded).toBe(32 * KiB);
    expect(user(2).downloaded).toBe(16 * KiB);
    expect(store.stats()).toMatchObject({ spentIds: 3, reports: 1 });
  });

  test('error: a receipt already spent in an earlier report fails the whole new report', async () => {
    const spent = receipt();
    expect((await post(body([spent]))).status).toBe(200);
    const fresh = receipt({ pieceIndex: 1 });
    await expectRefused(body([fresh, spent]), 409, 'already_spent', 1);
    expect(store.isSpent(receiptId(fresh))).toBe(false);
  });

  test('error: expired and future epochs', async () => {
    const expired = receipt({ pieceIndex: 1, epoch: epochNow() - config.windowEpochs - 1 });
    await expectRefused(body([receipt(), expired]), 422, 'expired_epoch', 1);
    const future = receipt({ pieceIndex: 1, epoch: epochNow() + 1 });
    await expectRefused(body([receipt(), future]), 422, 'future_epoch', 1);
  });

  test('error: unregistered sender or receiver', async () => {
    await expectRefused(body([receipt({ sender: 9, receiver: 1 })]), 422, 'unknown_key');
    await expectRefused(body([receipt(), receipt({ receiver: 9, pieceIndex: 1 })]), 422, 'unknown_key', 1);
  });

  test('error: the first refusal in receipt order wins, whether the store or the body refuses it', async () => {
    const refusal = async (receipts: Receipt[]) => (await post(body(receipts))).json();
    const r = receipt();
    expect(await refusal([r, receipt({ receiver: 9, pieceIndex: 1 }), r])).toEqual({
      error: 'unknown_key', reason: 'receipt 1: the receiver key is not registered', index: 1,
    });
    expect(await refusal([r, r, receipt({ receiver: 9, pieceIndex: 1 })])).toEqual({
      error: 'duplicate_receipt', reason: 'receipt 1: duplicate receipt in report', index: 1,
    });
    expect(await refusal([receipt({ receiver: 0 }), receipt({ receiver: 9, pieceIndex: 1 })])).toEqual({
      error: 'self_receipt', reason: 'receipt 0: the receiver is the sender', index: 0,
    });
    expect(await refusal([receipt({ receiver: 9 }), receipt({ receiver: 0, pieceIndex: 1 })])).toEqual({
      error: 'unknown_key', reason: 'receipt 0: the receiver key is not registered', index: 0,
    });
    expect(await refusal([receipt({ sender: 9, receiver: 9 })])).toEqual({ error: 'unknown_key', reason: 'the sender key is not registered' });
  });

  test('error: receipts from several senders, or not from sender_pk', async () => {
    const mixed = [receipt({ sender: 0, receiver: 1 }), receipt({ sender: 2, receiver: 1 })];
    await expectRefused(body(mixed), 422, 'sender_mismatch', 1);
    await expectRefused(body([receipt()], { sender_pk: hex(pk(2)) }), 422, 'sender_mismatch', 0);
  });

  test('error: a receipt for oneself', async () => {
    await expectRefused(body([receipt({ sender: 1, receiver: 1 })]), 422, 'self_receipt', 0);
  });

  test('error: a changed piece size fails the signature, and re-signed keeps its spent id', async () => {
    const original = receipt({ pieceSize: 16 * KiB });
    const inflated = { ...original, pieceSize: 64 * 1024 * KiB };
    await expectRefused(body([inflated], { aggregate_signature: hex(original.signature) }), 422, 'bad_signature');
    expect((await post(body([original]))).status).toBe(200);
    // The receiver really signed the bigger size: same transfer, same id, so still no second credit.
    const resigned = receipt({ pieceSize: 64 * 1024 * KiB });
    expect(receiptId(resigned)).toEqual(receiptId(original));
    await expectRefused(body([resigned]), 409, 'already_spent', 0);
    expect(user(0).uploaded).toBe(INITIAL + 16 * KiB);
  });

  test('error: a receipt re-labelled to another sender fails the signature', async () => {
    const forAlice = receipt({ sender: 0, receiver: 1 });
    const stolen = { ...forAlice, senderPk: pk(2) };
    await expectRefused(body([stolen], { aggregate_signature: hex(forAlice.signature) }), 422, 'bad_signature');
  });

  test('error: an aggregate missing one signature, or not a curve point', async () => {
    const receipts = [receipt(), receipt({ pieceIndex: 1 })];
    const partial = hex(aggregateReceipts(backend, receipts.slice(0, 1)));
    await expectRefused(body(receipts, { aggregate_signature: partial }), 422, 'bad_signature');
    await expectRefused(body(receipts, { aggregate_signature: 'ab'.repeat(96) }), 422, 'bad_signature');
  });

  test('error: malformed reports are 400 naming the receipt and field', async () => {
    const good = receiptToJson(receipt());
    const signature = hex(receipt().signature);
    const withReceipt = (patch: Partial<Record<keyof ReceiptJson, unknown>>) => ({
      receipts: [good, { ...good, ...patch }],
      aggregate_signature: signature,
    });
    const cases: Array<[Partial<Record<keyof ReceiptJson, unknown>>, string]> = [
      [{ piece_index: '1' }, 'piece_index'],
      [{ piece_index: 1.5 }, 'piece_index'],
      [{ piece_index: -1 }, 'piece_index'],
      [{ piece_size: 16 * KiB - 1 }, 'piece_size'],
      [{ piece_size: 64 * 1024 * KiB + 1 }, 'piece_size'],
      [{ epoch: null }, 'epoch'],
      [{ infohash: 'zz'.repeat(20) }, 'infohash'],
      [{ infohash: 'ab'.repeat(21) }, 'infohash'],
      [{ sender_pk: 7 }, 'sender_pk'],
      [{ receiver_pk: undefined }, 'receiver_pk'],
      [{ piece_hash: 'ab' }, 'piece_hash'],
      [{ signature: 'ab'.repeat(95) }, 'signature'],
    ];
    for (const [patch, field] of cases) {
      const json = await expectRefused(withReceipt(patch), 400, 'bad_receipt', 1);
      expect(json.reason).toContain(field);
    }
    await expectRefused({ receipts: [good, 'x'], aggregate_signature: signature }, 400, 'bad_receipt', 1);
  });

  test('error: malformed bodies are 4xx and change nothing', async () => {
    const good = body([receipt()]);
    const text = JSON.stringify(good);
    await expectRefused('not json', 400, 'bad_json');
    await expectRefused('', 400, 'bad_json');
    await expectRefused(text.slice(0, text.length / 2), 400, 'bad_json');
    await expectRefused([good], 400, 'bad_request');
    await expectRefused('42', 400, 'bad_request');
    await expectRefused({ ...good, receipts: {} }, 400, 'bad_request');
    await expectRefused({ ...good, receipts: [] }, 400, 'bad_request');
    await expectRefused({ receipts: good.receipts }, 400, 'bad_request');
    await expectRefused({ ...good, aggregate_signature: 'xy'.repeat(96) }, 400, 'bad_request');
    await expectRefused({ ...good, sender_pk: 'ab' }, 400, 'bad_request');
    const tooMany = Array(MAX_RECEIPTS_PER_REPORT + 1).fill(good.receipts[0]);
    await expectRefused({ ...good, receipts: tooMany }, 413, 'too_many_receipts');
    await expectRefused({ ...good, padding: 'x'.repeat(MAX_REPORT_BYTES) }, 413, 'body_too_large');
  });

  test('behavior: spent ids are collected after their epoch leaves the window, and stay refused', async () => {
    const old = receipt();
    expect((await post(body([old]))).status).toBe(200);
    clock += (config.windowEpochs + 2) * config.epochSeconds * 1000;
    const fresh = receipt({ pieceIndex: 1 });
    expect((await post(body([fresh]))).status).toBe(200);
    expect(store.isSpent(receiptId(old))).toBe(false);
    expect(store.isSpent(receiptId(fresh))).toBe(true);
    await expectRefused(body([old]), 422, 'expired_epoch', 0);
    expect(user(0).uploaded).toBe(INITIAL + 32 * KiB);
  });

  test('behavior: spent ids one epoch past the window are still kept', async () => {
    const r = receipt();
    expect((await post(body([r]))).status).toBe(200);
    clock += (config.windowEpochs + 1) * config.epochSeconds * 1000;
    await expectRefused(body([r]), 422, 'expired_epoch', 0);
    expect(store.isSpent(receiptId(r))).toBe(true);
  });
});
