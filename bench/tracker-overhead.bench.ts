/**
 * Experiment 6, tracker overhead breakdown (seed README section 6, reference spec 6.4): where a
 * request's time goes, component by component, over live HTTP. Options: PBTS_TRACKER_URL,
 * PBTS_ITERATIONS, PBTS_WARMUP, PBTS_NO_AUTO_START, PBTS_QUICK, PBTS_OUTPUT (or the flags of
 * `pbts experiments tracker-overhead`).
 *
 * The trackers (everything on: embedded Anvil with the contracts and the dstack simulator's
 * socket, private mode; the same with a small batch delay; chain and TEE off) each run in their
 * own process, and every request comes from a separate client process (`tracker-overhead/prober.ts`,
 * the load generator's keep-alive engine), which times each one and checks each answer: a refusal
 * fails the run. Reports carry fresh receipts, signed before the run. Each benchmark is one
 * series with one sample, its wall time (what the baseline gate compares); the per-request
 * figures reach the report through `recordExtra`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Address, Hex } from 'viem';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { startDstackFixture } from '../fixtures/dstack.ts';
import { CONFIRMATIONS, type ConfirmationSpec } from '../src/bench/experiments/tracker-overhead/components.ts';
import {
  COMBINED_RECEIPTS,
  DEFAULT_BATCH_MS,
  PARALLEL_CLIENTS,
  RECEIPT_COUNTS,
  SMALL_BATCH_MS,
  trackerOverheadOptions,
} from '../src/bench/experiments/tracker-overhead/options.ts';
import type {
  ComponentRecord,
  ConfirmationRecord,
  NotMeasured,
  TrackerOverheadConfig,
} from '../src/bench/experiments/tracker-overhead/records.ts';
import { type PlacedReportSet, type ReportSetSpec, placeReportSets } from '../src/bench/experiments/tracker-overhead/sets.ts';
import { recordExtra } from '../src/bench/extras.ts';
import { samplesOf } from '../src/bench/harness.ts';
import { isQuick } from '../src/bench/options.ts';
import type { ReportResult } from '../src/client/tracker-client.ts';
import { currentEpoch, getBackend, keyPairFromSeed, signRegistration } from '../src/receipts/index.ts';
import { CollateralCache, pccsCollateral } from '../src/tee/collateral.ts';
import { CHAIN_KEY_PATH, CHAIN_KEY_PURPOSE, IDENTITY_KEY_PATH, IDENTITY_KEY_PURPOSE } from '../src/tee/keys.ts';
import type { DstackSimulator } from '../src/tee/sim/server.ts';
import { type AttestationEvidence, type TrustConfig, testTrust, verifyAttestation } from '../src/tee/index.ts';
import { LoadGenerator, signReports } from './load/processes.ts';
import { registerUsers } from './load/tracker-api.ts';
import { announcePaths, userKeys } from './load/workload.ts';
import { ChainWatch } from './tracker-overhead/chain-watch.ts';
import type { Expectation, ProberCommand, ProberResult, ReadyUser, SeriesRequests } from './tracker-overhead/prober.ts';
import { type Target, describeTracker, startTracker } from './tracker-overhead/trackers.ts';

const EXPERIMENT = 'tracker-overhead';
const root = fileURLToPath(new URL('..', import.meta.url));
const options = trackerOverheadOptions();
const autoStart = options.trackerUrl === undefined;
const cores = os.availableParallelism();
const bls = getBackend('blst');
const TORRENTS = 10;
const PEERS_PER_TORRENT = 10;
/** Users registered on the prompt and plain trackers: enough for 10-receipt reports. */
const SMALL_POOL = COMBINED_RECEIPTS + 1;
const POLICY = { allowedStatuses: ['UpToDate' as const], measurements: 'any' as const };

type Prober = LoadGenerator<ProberCommand, ProberResult>;

interface Session {
  seed: string;
  main: Target;
  prompt?: Target;
  plain?: Target;
  sim?: DstackSimulator;
  trust?: TrustConfig;
  prober: Prober;
  announces: string[];
  sets: Map<string, PlacedReportSet>;
  /** Attestations from the generation series, for the peer's verification. */
  attestations: { evidence: AttestationEvidence; nonce: string }[];
  /** Fresh users registered so far (one per registration sent). */
  registered: number;
}

let session: Session | undefined;
const cleanup: (() => Promise<unknown>)[] = [];
const components: Record<string, ComponentRecord> = {};
const confirmations: Record<string, ConfirmationRecord> = {};
const notMeasured: NotMeasured[] = [
  {
    what: 'real TDX key derivation and quote generation (TDX module, QGS, Quoting Enclave)',
    why: 'no TDX hardware here: GetKey and GetQuote are answered by the dstack simulator (genuine TDX v4 quote format under a test root CA)',
  },
  {
    what: 'attestation verification with collateral from Intel PCS / a PCCS',
    why: "no network here; the peer's collateral comes from the simulator's PCCS routes, cached after the first fetch",
  },
  {
    what: 'block time and confirmation policy of a real chain',
    why: "the tracker's Anvil mines each transaction as it arrives; on a real chain add its block interval (about 12 s on L1, 2 s on L2s)",
  },
];

function current(): Session {
  if (!session) throw new Error('the tracker-overhead experiment did not set up (see the set-up error)');
  return session;
}

/** The report sets of this run, placed on disjoint piece ranges. */
function reportSets(): ReportSetSpec[] {
  const per = options.warmup + options.iterations;
  const confirms = options.confirmations + 1;
  return [
    ...RECEIPT_COUNTS.map((n) => ({ key: `receipts-${n}`, receiptsPerReport: n, count: per, users: options.users })),
    { key: 'combined', receiptsPerReport: COMBINED_RECEIPTS, count: per, users: options.users },
    { key: 'confirm-default', receiptsPerReport: COMBINED_RECEIPTS, count: confirms, users: options.users },
    ...(autoStart
      ? [
          { key: 'combined-off', receiptsPerReport: COMBINED_RECEIPTS, count: per, users: SMALL_POOL },
          { key: 'confirm-small', receiptsPerReport: COMBINED_RECEIPTS, count: confirms, users: SMALL_POOL },
        ]
      : []),
  ];
}

/** Signs every set in signer processes (outside any timing), and loads them into the prober. */
async function presign(prober: Prober, dir: string, seed: string): Promise<Map<string, PlacedReportSet>> {
  const placed = placeReportSets(reportSets());
  const epoch = currentEpoch();
  const files = await Promise.all(
    placed.map((set) =>
      signReports(root, dir, { seed, users: set.users, torrents: TORRENTS, receiptsPerReport: set.receiptsPerReport, epoch, first: set.first, count: set.count }, 1),
    ),
  );
  for (const [i, set] of placed.entries()) await prober.call({ type: 'load-reports', key: set.key, files: files[i]!, count: set.count });
  return new Map(placed.map((set) => [set.key, set]));
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pbts-overhead-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const seed = `overhead-${randomBytes(4).toString('hex')}`;
  let main: Target;
  let prompt: Target | undefined;
  let plain: Target | undefined;
  let sim: DstackSimulator | undefined;
  if (autoStart) {
    sim = await startDstackFixture({ seed: 'pbts-bench-tracker-overhead' });
    cleanup.push(() => sim!.close());
    const started = await Promise.allSettled([
      startTracker(dir, { name: 'main', dstack: sim.socketPath, batchMs: DEFAULT_BATCH_MS }),
      startTracker(dir, { name: 'prompt', dstack: sim.socketPath, batchMs: SMALL_BATCH_MS }),
      startTracker(dir, { name: 'plain' }),
    ]);
    for (const result of started) if (result.status === 'fulfilled') cleanup.push(result.value.stop!);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    [main, prompt, plain] = started.map((result) => (result as PromiseFulfilledResult<Target>).value) as [Target, Target, Target];
  } else {
    main = await describeTracker(options.trackerUrl!, null, null, process.env.PBTS_ADMIN_TOKEN);
    notMeasured.push(
      { what: 'TEE key derivation and the peer\'s attestation verification', why: "an existing tracker (--tracker-url, --no-auto-start): the bench knows neither its dstack endpoint nor its trust root" },
      { what: 'on-chain confirmation with a small --chain-batch-ms, and the combined run with chain and TEE off', why: 'an existing tracker (--tracker-url, --no-auto-start): they need trackers the bench starts' },
    );
  }
  const prober: Prober = LoadGenerator.startScript(root, path.join('bench', 'tracker-overhead', 'prober.ts'), 'tracker-overhead prober');
  cleanup.push(() => prober.close());
  const keys = userKeys(bls, seed, options.users);
  // Untimed set-up: the users on each tracker, then the reports signed in their own processes.
  // Not side by side: reading the signed reports back held this event loop for over a second,
  // long enough for a tracker to close a keep-alive connection the next registration then took.
  const [passkeys] = await Promise.all([
    registerUsers(main.url, bls, keys, `${seed}-main`),
    prompt && registerUsers(prompt.url, bls, keys.slice(0, SMALL_POOL), `${seed}-prompt`),
    plain && registerUsers(plain.url, bls, keys.slice(0, SMALL_POOL), `${seed}-plain`),
  ]);
  const sets = await presign(prober, dir, seed);
  const { peers, path: announcePath } = announcePaths({ seed, torrents: TORRENTS, peersPerTorrent: PEERS_PER_TORRENT, passkeys });
  // Every peer's `started` announce, untimed but checked: the timed ones are regular updates.
  const started = Array.from({ length: peers }, (_, p) => announcePath(p, true));
  await prober.call({ type: 'series', target: main.url, clients: 1, maxSeconds: options.maxSeconds, requests: { get: started }, expect: { kind: 'announce' } });
  const trust = sim && testTrust({ rootCaDer: sim.rootCaDer, collateral: new CollateralCache(pccsCollateral(sim.endpoint)) });
  session = {
    seed,
    main,
    ...(prompt && { prompt }),
    ...(plain && { plain }),
    ...(sim && { sim }),
    ...(trust && { trust }),
    prober,
    announces: Array.from({ length: peers }, (_, p) => announcePath(p, false)),
    sets,
    attestations: [],
    registered: 0,
  };
  recordExtra(
    EXPERIMENT,
    'config',
    {
      iterations: options.iterations,
      warmup: options.warmup,
      confirmations: options.confirmations,
      quick: isQuick(),
      auto_started: autoStart,
      main: main.setup,
      prompt: prompt?.setup ?? null,
      plain: plain?.setup ?? null,
      users: options.users,
      client: {
        tool: 'the load generator\'s HTTP/1.1 keep-alive engine (bench/load/http-load.ts), one request in flight per connection',
        process: 'its own Node process (bench/tracker-overhead/prober.ts)',
        registration: "the project's tracker client (fetch, keep-alive)",
      },
      cores,
    } satisfies TrackerOverheadConfig,
    root,
  );
  recordExtra(EXPERIMENT, 'not_measured', notMeasured, root);
}, 600_000);

afterAll(async () => {
  const errors: unknown[] = [];
  for (const undo of cleanup.reverse()) {
    try {
      await undo();
    } catch (error) {
      errors.push(error);
    }
  }
  cleanup.length = 0;
  if (errors.length > 0) throw errors[0];
}, 120_000);

/** Says why a component was not measured (not a failure: the tracker given has no such part). */
function skipped(what: string, why: string): void {
  if (!notMeasured.some((n) => n.what === what)) notMeasured.push({ what, why });
  recordExtra(EXPERIMENT, 'not_measured', notMeasured, root);
}

/** Records a component's timed samples (the warm-up's were checked, not kept). */
function record(key: string, samples: number[], checked: number): void {
  components[key] = { samples_ms: samples, checked };
  recordExtra(EXPERIMENT, 'components', components, root);
}

async function series(target: string, requests: SeriesRequests, expect: Expectation, clients = 1, keepBodies = false): Promise<ProberResult> {
  const result = await current().prober.call({ type: 'series', target, clients, maxSeconds: options.maxSeconds, requests, expect, ...(keepBodies && { keepBodies }) });
  if (!result) throw new Error('the prober returned no figures');
  return result;
}

/** `count` announce paths, rotating over the peers. */
function announces(count: number, offset = 0): string[] {
  const all = current().announces;
  return Array.from({ length: count }, (_, i) => all[(offset + i) % all.length]!);
}

/** Warm-up then timed 10-receipt-or-other reports of set `key` to `target`. */
async function reportSeries(target: string, key: string, timed = options.iterations): Promise<ProberResult> {
  const receipts = current().sets.get(key)!.receiptsPerReport;
  await series(target, { reports: key, count: options.warmup }, { kind: 'report', receipts });
  return series(target, { reports: key, count: timed }, { kind: 'report', receipts });
}

/** Fresh users with their proofs of possession and registration signatures, made here (outside any timing). */
function freshUsers(count: number): ReadyUser[] {
  const s = current();
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  return Array.from({ length: count }, () => {
    const i = s.registered++;
    const key = keyPairFromSeed(bls, `${s.seed}-fresh`, i);
    const userId = `${s.seed}-fresh-${i}`;
    return { userId, publicKey: hex(key.publicKey), pop: hex(bls.popProve(key.secretKey)), registrationSignature: hex(signRegistration(bls, key, userId)) };
  });
}

const nonce = () => randomBytes(32).toString('hex');

/** The tracker a confirmation series runs on, and its contract watcher. */
function chainOf(spec: ConfirmationSpec): { target: Target; watch: ChainWatch } | undefined {
  const s = current();
  const target = spec.batching === 'default' ? s.main : s.prompt;
  const chain = target?.setup.chain;
  if (!target || !chain?.contract) return undefined;
  return { target, watch: new ChainWatch(chain.rpc_url, chain.contract as Address) };
}

/** One request at a time, each followed until its credit is on chain. */
async function confirmationSeries(spec: ConfirmationSpec): Promise<void> {
  const chain = chainOf(spec);
  if (!chain) return skipped(`on-chain ${spec.operation} and its confirmation`, `the tracker at ${current().main.url} has no chain with a contract`);
  const { target, watch } = chain;
  const recordOf: ConfirmationRecord = { request_ms: [], confirm_ms: [], batch_ms: target.setup.chain!.batch_ms ?? DEFAULT_BATCH_MS };
  const setKey = spec.batching === 'default' ? 'confirm-default' : 'confirm-small';
  // One untimed round first: the first batch of a series also pays for the node's warm-up.
  for (let i = 0; i < options.confirmations + 1; i++) {
    const fromBlock = await watch.blockNumber();
    let answeredAt: number;
    let requestMs: number;
    let seen: Promise<number>;
    if (spec.operation === 'registration') {
      const [user] = freshUsers(1);
      const result = (await current().prober.call({ type: 'register', target: target.url, users: [user!] }))!;
      [requestMs, answeredAt] = [result.latencies_ms[0]!, result.answered_at_ms[0]!];
      seen = watch.registered(user!.userId, fromBlock);
    } else {
      const result = await series(target.url, { reports: setKey, count: 1 }, { kind: 'report', receipts: COMBINED_RECEIPTS }, 1, true);
      [requestMs, answeredAt] = [result.latencies_ms[0]!, result.answered_at_ms[0]!];
      const answer = JSON.parse(result.bodies![0]!) as ReportResult;
      seen = watch.credited(answer.sender.user_id, answer.sender.uploaded, fromBlock);
    }
    const seenAt = await seen;
    if (i === 0) continue;
    recordOf.request_ms.push(requestMs);
    recordOf.confirm_ms.push(seenAt - answeredAt);
  }
  confirmations[spec.key] = recordOf;
  recordExtra(EXPERIMENT, 'confirmations', confirmations, root);
  if (spec.key === 'report_default') record('onchain_update', recordOf.request_ms, options.confirmations + 1);
}

const once = samplesOf(1, 0);

describe('tracker-overhead', () => {
  bench(
    'baseline',
    async () => {
      const { main } = current();
      await series(main.url, { get: announces(options.warmup) }, { kind: 'announce' });
      const result = await series(main.url, { get: announces(options.iterations, options.warmup) }, { kind: 'announce' });
      record('baseline', result.latencies_ms, options.warmup + options.iterations);
    },
    once,
  );

  bench(
    'parallel_baseline',
    async () => {
      const { main } = current();
      const warm = PARALLEL_CLIENTS * options.warmup;
      const timed = PARALLEL_CLIENTS * options.iterations;
      await series(main.url, { get: announces(warm) }, { kind: 'announce' }, PARALLEL_CLIENTS);
      const result = await series(main.url, { get: announces(timed, warm) }, { kind: 'announce' }, PARALLEL_CLIENTS);
      record('parallel_baseline', result.latencies_ms, warm + timed);
    },
    once,
  );

  if (autoStart) {
    bench(
      'tee_keygen',
      async () => {
        const s = current();
        const keys = [
          { path: CHAIN_KEY_PATH, purpose: CHAIN_KEY_PURPOSE },
          { path: IDENTITY_KEY_PATH, purpose: IDENTITY_KEY_PURPOSE },
        ];
        await s.prober.call({ type: 'getkey', endpoint: s.sim!.socketPath, count: options.warmup, keys });
        const result = (await s.prober.call({ type: 'getkey', endpoint: s.sim!.socketPath, count: options.iterations, keys }))!;
        record('tee_keygen', result.latencies_ms, options.warmup + options.iterations);
      },
      once,
    );
  }

  bench(
    'tee_attestation',
    async () => {
      const s = current();
      if (s.main.tee.mode === 'none') return skipped('TEE attestation generation', `the tracker at ${s.main.url} runs without a TEE`);
      const nonces = Array.from({ length: options.warmup + options.iterations }, nonce);
      const paths = nonces.map((n) => `/tee/attestation?nonce=${n}`);
      await series(s.main.url, { get: paths.slice(0, options.warmup) }, { kind: 'attestation' });
      const result = await series(s.main.url, { get: paths.slice(options.warmup) }, { kind: 'attestation' }, 1, true);
      s.attestations = result.bodies!.map((body, i) => ({ evidence: JSON.parse(body) as AttestationEvidence, nonce: nonces[options.warmup + i]! }));
      record('tee_attestation', result.latencies_ms, nonces.length);
    },
    once,
  );

  if (autoStart) {
    bench(
      'attestation_verification',
      async () => {
        const s = current();
        if (s.attestations.length === 0) throw new Error('no attestations to verify (the generation series failed)');
        const chain = s.main.setup.chain!;
        const identity = {
          chainAddress: s.main.tee.chain_account! as Hex,
          contractAddress: chain.contract! as Hex,
          identityPublicKey: s.main.tee.identity_public_key! as Hex,
        };
        const verify = async ({ evidence, nonce: expected }: Session['attestations'][number]) => {
          const started = performance.now();
          const result = await verifyAttestation(evidence, { trust: s.trust!, policy: POLICY, expected: { nonce: expected, identity }, executor: 'in-process' });
          const ms = performance.now() - started;
          if (!result.ok) throw new Error(`a peer refused the tracker's attestation: ${result.reason} (${result.detail})`);
          return ms;
        };
        // Warm-up (collateral fetched once, then cached) on the first attestations, again and again.
        for (let i = 0; i < options.warmup; i++) await verify(s.attestations[i % s.attestations.length]!);
        const samples: number[] = [];
        for (const attestation of s.attestations) samples.push(await verify(attestation));
        record('attestation_verification', samples, options.warmup + samples.length);
      },
      once,
    );
  }

  for (const n of RECEIPT_COUNTS) {
    const key = n === 1 ? 'receipt_single' : `receipt_batch_${n}`;
    bench(
      key,
      async () => {
        const result = await reportSeries(current().main.url, `receipts-${n}`);
        record(key, result.latencies_ms, options.warmup + options.iterations);
      },
      once,
    );
  }

  bench(
    'onchain_register',
    async () => {
      const s = current();
      await s.prober.call({ type: 'register', target: s.main.url, users: freshUsers(options.warmup) });
      const result = (await s.prober.call({ type: 'register', target: s.main.url, users: freshUsers(options.iterations) }))!;
      record('onchain_register', result.latencies_ms, options.warmup + options.iterations);
    },
    once,
  );

  for (const spec of CONFIRMATIONS) {
    if (spec.batching === 'small' && !autoStart) continue;
    // Declared async: tinybench calls a plain function once more to see whether it returns a promise.
    bench(`confirmation ${spec.key}`, async () => confirmationSeries(spec), once);
  }

  bench(
    autoStart ? 'combined and combined_off' : 'combined',
    async () => {
      const s = current();
      const receipts = COMBINED_RECEIPTS;
      const check = { kind: 'report' as const, receipts };
      await series(s.main.url, { reports: 'combined', count: options.warmup }, check);
      if (s.plain) await series(s.plain.url, { reports: 'combined-off', count: options.warmup }, check);
      // Halves alternated, so both trackers see the same machine state.
      const halves = [Math.ceil(options.iterations / 2), Math.floor(options.iterations / 2)].filter((n) => n > 0);
      const on: number[] = [];
      const off: number[] = [];
      for (const count of halves) {
        on.push(...(await series(s.main.url, { reports: 'combined', count }, check)).latencies_ms);
        if (s.plain) off.push(...(await series(s.plain.url, { reports: 'combined-off', count }, check)).latencies_ms);
      }
      record('combined', on, options.warmup + on.length);
      if (s.plain) record('combined_off', off, options.warmup + off.length);
    },
    once,
  );
});
