import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  aggregateReceipts,
  currentEpoch,
  getBackend,
  keyPairFromSeed,
  type Receipt,
  type ReceiptFields,
  signReceipt,
  VerifyPool,
} from '../receipts/index.ts';
import { checkReportBytes } from '../receipts/report-check.ts';
import { encodeReport } from '../receipts/report-codec.ts';
import { openStore, type Store } from '../store/index.ts';
import { createApp } from './app.ts';
import { type TrackerConfig, resolveConfig } from './config.ts';
import { withFastPath } from './fast-path.ts';
import { MAX_PARSE_PENDING, MAX_PARSE_PENDING_PER_ADDRESS, type ReportParser } from './report.ts';
import { addressKey } from './report-guard.ts';

const bls = getBackend('blst');
const keys = Array.from({ length: 4 }, (_, i) => keyPairFromSeed(bls, 'report-limits', i));
const KiB = 1024;
const START = 1_700_000_000_000;

interface Tracker {
  url: string;
  store: Store;
  close(): Promise<void>;
}

const open: Tracker[] = [];
afterEach(async () => {
  for (const tracker of open.splice(0)) await tracker.close();
});

/** A tracker app behind the real server fast path on loopback (keys 0..3 registered). */
async function start(options: {
  config?: Partial<TrackerConfig>;
  dataDir?: string;
  pool?: Pick<VerifyPool, 'verifyAggregate' | 'size'>;
  parser?: ReportParser;
  clock?: () => number;
}): Promise<Tracker> {
  const store = openStore({ dataDir: options.dataDir ?? ':memory:' });
  keys.forEach((key, i) => {
    if (store.userByPublicKey(key.publicKey) === undefined) store.createUser({ userId: `user${i}`, publicKey: key.publicKey, uploaded: 1 });
  });
  const real = options.pool === undefined ? new VerifyPool({ size: 1, backend: 'blst' }) : undefined;
  const pool = (options.pool ?? real) as VerifyPool;
  const tracker = createApp({ config: resolveConfig(options.config), clock: options.clock, pbts: { store, pool, parser: options.parser, startedAt: 0 } });
  const server: Server = createServer(withFastPath(tracker, getRequestListener(tracker.app.fetch)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const handle = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    store,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await real?.close();
      store.close();
    },
  };
  open.push(handle);
  return handle;
}

/** POSTs `body` to `/report` from the loopback address `from` (127.0.0.0/8 is all loopback). */
function post(url: string, body: string, from = '127.0.0.1'): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/report`, { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let piece = 0;

/** Receipt fields from key 0 to key `receiver`, a fresh piece each. */
function fields(receiver = 1, epoch = currentEpoch()): ReceiptFields {
  const index = piece++;
  return {
    infohash: new Uint8Array(20).fill(3),
    senderPk: keys[0]!.publicKey,
    receiverPk: keys[receiver]!.publicKey,
    pieceHash: createHash('sha256').update(`limits ${index}`).digest(),
    pieceIndex: index,
    pieceSize: 16 * KiB,
    epoch,
  };
}

const signed = (count: number, epoch?: number): Receipt[] =>
  Array.from({ length: count }, (_, i) => {
    const receiver = 1 + (i % 3);
    return signReceipt(bls, fields(receiver, epoch), keys[receiver]!.secretKey);
  });

/** `count` receipts with a placeholder signature (for pools that do not check them). */
const unsigned = (count: number, sender = 0): Receipt[] =>
  Array.from({ length: count }, (_, i) => ({ ...fields(1 + (i % 3)), senderPk: keys[sender]!.publicKey, signature: new Uint8Array(96).fill(1) }));

const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
};

describe('report limits', () => {
  test('behavior: a report whose aggregate is a valid point but wrong is verified once, however often it is replayed', async () => {
    const pool = new VerifyPool({ size: 1, backend: 'blst' });
    const verify = vi.spyOn(pool, 'verifyAggregate');
    const tracker = await start({ pool });
    try {
      const receipts = signed(8);
      // The aggregate of other receipts: a valid G2 point, but not these receipts' aggregate.
      const wrong = aggregateReceipts(bls, signed(8));
      const body = encodeReport(receipts, wrong);
      const reshaped = JSON.stringify(JSON.parse(body), null, 1); // other bytes, same report
      for (const payload of [body, body, body, reshaped, reshaped]) {
        const { status, json } = await post(tracker.url, payload);
        expect({ status, error: json.error }).toEqual({ status: 422, error: 'bad_signature' });
      }
      expect(verify).toHaveBeenCalledTimes(1);
      expect(await metric(tracker.url, 'pbts_report_failed_verification_hits_total')).toBe(1);
      // The honest report of the same receipts still goes through.
      expect((await post(tracker.url, encodeReport(receipts))).status).toBe(200);
    } finally {
      await pool.close();
    }
  });

  test('behavior: a replayed already-spent 1,024-receipt body is refused again without being parsed', async () => {
    const tracker = await start({ pool: { size: 1, verifyAggregate: async () => true } });
    const body = encodeReport(unsigned(1024), new Uint8Array(96).fill(2));
    expect((await post(tracker.url, body)).status).toBe(200);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      for (let i = 0; i < 3; i++) {
        const { status, json } = await post(tracker.url, body);
        expect({ status, error: json.error, index: json.index }).toEqual({ status: 409, error: 'already_spent', index: 0 });
      }
      expect(parse.mock.calls.filter(([text]) => String(text).length > 100_000)).toHaveLength(0);
    } finally {
      parse.mockRestore();
    }
    expect(await metric(tracker.url, 'pbts_report_refused_unparsed_total')).toBe(3);
  });

  test('error: bodies waiting for the parser are bounded per address and in total; over a bound a report is refused busy, not queued', async () => {
    const waiting: (() => void)[] = [];
    const parser: ReportParser = (body, window) =>
      new Promise((resolve) => {
        const check = checkReportBytes(body, window);
        waiting.push(() => resolve(check));
      });
    const tracker = await start({ pool: { size: 1, verifyAggregate: async () => true }, parser });
    const size = 1000 * KiB;
    // Distinct bodies (no cache answers them) of exactly `size` bytes, refused bad_request once parsed.
    const body = (n: number) => {
      const head = `{"n":${n},"padding":"`;
      return `${head}${'x'.repeat(size - head.length - 2)}"}`;
    };
    const perAddress = Math.floor(MAX_PARSE_PENDING_PER_ADDRESS / size);
    const total = Math.floor(MAX_PARSE_PENDING / size);
    const held = Array.from({ length: perAddress }, (_, n) => post(tracker.url, body(n), '127.0.0.2'));
    await vi.waitFor(() => expect(waiting).toHaveLength(perAddress), { timeout: 5000, interval: 5 });
    const overAddress = await post(tracker.url, body(100), '127.0.0.2');
    expect(overAddress).toMatchObject({ status: 503, json: { error: 'busy' } });
    expect(overAddress.json.reason).toContain('waiting to be parsed');
    // One body from each of other addresses up to the total: then the next address is refused too.
    for (let n = perAddress; n < total; n++) held.push(post(tracker.url, body(n), `127.0.1.${n}`));
    await vi.waitFor(() => expect(waiting).toHaveLength(total), { timeout: 10_000, interval: 5 });
    expect(await metric(tracker.url, 'pbts_report_parse_pending_bytes')).toBe(total * size);
    const overTotal = await post(tracker.url, body(200), '127.0.2.1');
    expect(overTotal).toMatchObject({ status: 503, json: { error: 'busy', reason: 'the report parsers are saturated; retry later' } });
    for (const answer of waiting.splice(0)) answer();
    for (const answer of await Promise.all(held)) expect(answer).toMatchObject({ status: 400, json: { error: 'bad_request' } });
    // Answered, the bytes are let go: the same address is parsed again.
    const again = post(tracker.url, body(300), '127.0.0.2');
    await vi.waitFor(() => expect(waiting).toHaveLength(1), { timeout: 5000, interval: 5 });
    waiting.pop()!();
    expect((await again).status).toBe(400);
    expect(await metric(tracker.url, 'pbts_report_busy_parse_address_total')).toBe(1);
    expect(await metric(tracker.url, 'pbts_report_busy_parse_full_total')).toBe(1);
    expect(await metric(tracker.url, 'pbts_report_parse_pending_bytes')).toBe(0);
  });

  test('error: an address over its report byte budget is refused busy before its body is read, other addresses are not', async () => {
    const frozen = Date.now() / 1000;
    const tracker = await start({ config: { reportBytesPerSecond: 1024 * KiB }, pool: { size: 1, verifyAggregate: async () => true }, clock: () => frozen });
    const big = encodeReport(unsigned(1024), new Uint8Array(96).fill(2));
    expect(big.length).toBeGreaterThan(600 * KiB);
    // Burst 2 MiB, no refill (the clock stands still): three bodies pass, the fourth does not.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(tracker.url, big, '127.0.0.2')).status);
    expect(statuses).toEqual([200, 409, 409, 503]);
    const refused = await post(tracker.url, big, '127.0.0.2');
    expect(refused).toMatchObject({ status: 503, json: { error: 'busy' } });
    expect(refused.json.reason).toContain('bytes');
    expect((await post(tracker.url, encodeReport(unsigned(2), new Uint8Array(96)), '127.0.0.3')).status).toBe(200);
    expect(await metric(tracker.url, 'pbts_report_busy_bytes_total')).toBe(2);
    expect(await metric(tracker.url, 'pbts_report_limit_bytes_per_second')).toBe(1024 * KiB);
  });

  test('behavior: one address flooding big reports does not starve a small report of another address, which goes first', async () => {
    const order: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const pool = {
      size: 1,
      async verifyAggregate(receipts: readonly ReceiptFields[]) {
        order.push(receipts.length);
        await gate;
        return true;
      },
    };
    const tracker = await start({ pool });
    const flood = Array.from({ length: 6 }, () => post(tracker.url, encodeReport(unsigned(200), new Uint8Array(96)), '127.0.0.2'));
    await vi.waitFor(() => expect(order).toHaveLength(2), { timeout: 5000, interval: 5 });
    const small = unsigned(3, 1).map((r) => ({ ...r, receiverPk: keys[2]!.publicKey }));
    const honest = post(tracker.url, encodeReport(small, new Uint8Array(96)), '127.0.0.3');
    // Two big ones with the verifiers, four big ones and the small one waiting.
    await vi.waitFor(async () => expect(await metric(tracker.url, 'pbts_report_verify_queued_receipts')).toBe(4 * 200 + 3), { timeout: 5000, interval: 10 });
    release();
    const answers = await Promise.all([honest, ...flood]);
    expect(answers.map((answer) => answer.status)).toEqual(Array(7).fill(200));
    expect(order).toEqual([200, 200, 3, 200, 200, 200, 200]);
  });

  test('error: an address with too many receipts pending verification is refused busy, and another address is still served', async () => {
    let finish: () => void = () => {};
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const pool = { size: 1, verifyAggregate: async () => (await gate, true) };
    const tracker = await start({ config: { verifyPendingPerAddress: 500 }, pool });
    const first = post(tracker.url, encodeReport(unsigned(300), new Uint8Array(96)), '127.0.0.2');
    await vi.waitFor(async () => expect(await metric(tracker.url, 'pbts_report_verify_running')).toBe(1), { timeout: 5000, interval: 10 });
    const second = await post(tracker.url, encodeReport(unsigned(300), new Uint8Array(96)), '127.0.0.2');
    expect(second).toMatchObject({ status: 503, json: { error: 'busy' } });
    expect(second.json.reason).toContain('address');
    const other = post(tracker.url, encodeReport(unsigned(300, 1).map((r) => ({ ...r, receiverPk: keys[2]!.publicKey })), new Uint8Array(96)), '127.0.0.3');
    finish();
    expect((await first).status).toBe(200);
    expect((await other).status).toBe(200);
    expect(await metric(tracker.url, 'pbts_report_busy_address_total')).toBe(1);
  });

  test('behavior: a report waiting for its verification holds no parse bytes', async () => {
    let finish: () => void = () => {};
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const parser: ReportParser = async (body, window) => checkReportBytes(body, window);
    const tracker = await start({ pool: { size: 1, verifyAggregate: async () => (await gate, true) }, parser });
    const verifying = post(tracker.url, encodeReport(unsigned(300), new Uint8Array(96)), '127.0.0.2');
    await vi.waitFor(async () => expect(await metric(tracker.url, 'pbts_report_verify_running')).toBe(1), { timeout: 5000, interval: 10 });
    expect(await metric(tracker.url, 'pbts_report_parse_pending_bytes')).toBe(0);
    finish();
    expect((await verifying).status).toBe(200);
  });
});

describe('spent-id horizon', () => {
  let dataDir: string | undefined;
  afterEach(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('behavior: after spent ids are collected, a restart with a larger window still refuses the collected receipt', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pbts-horizon-'));
    let clock = START;
    const W = 3600;
    const config = { epochSeconds: W, windowEpochs: 2 };
    const epoch = currentEpoch(W, clock);
    const old = signed(1, epoch);
    const first = await start({ dataDir, config, clock: () => clock / 1000 });
    expect((await post(first.url, encodeReport(old))).status).toBe(200);
    // Four epochs on: the old receipt's epoch is out of the window and its id is collected.
    clock += 4 * W * 1000;
    expect((await post(first.url, encodeReport(signed(1, currentEpoch(W, clock))))).status).toBe(200);
    await vi.waitFor(() => expect(first.store.stats().spentIds).toBe(1), { timeout: 5000 });
    await first.close();
    open.splice(open.indexOf(first), 1);

    const second = await start({ dataDir, config: { ...config, windowEpochs: 24 }, clock: () => clock / 1000 });
    const before = second.store.userById('user0')!.uploaded;
    const replay = await post(second.url, encodeReport(old));
    expect({ status: replay.status, error: replay.json.error }).toEqual({ status: 422, error: 'expired_epoch' });
    expect(second.store.userById('user0')!.uploaded).toBe(before);
    expect(await metric(second.url, 'pbts_spent_horizon_epoch')).toBeGreaterThan(epoch);
  });
});

describe('addressKey', () => {
  test('behavior: IPv6 clients are limited by their /64, IPv4 clients by their address', () => {
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe(addressKey('2001:db8:1:2::9'));
    expect(addressKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('10.0.0.1')).toBe('10.0.0.1');
    expect(addressKey(undefined)).toBe('unknown');
  });
});
