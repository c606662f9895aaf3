/**
 * Experiment 2, TEE operations (seed README section 2). Options: PBTS_ITERATIONS,
 * PBTS_VERIFY_ITERATIONS, PBTS_QUICK, PBTS_OUTPUT (or the flags of `pbts experiments tee`).
 *
 * 1. Key generation: a secp256k1 key made locally (@noble/curves) vs the tracker's chain key
 *    derived by dstack GetKey through the unmodified @phala/dstack-sdk over the simulator's unix
 *    socket (client construction, RPC, public key).
 * 2. Attestation generation: the tracker's attest() (report_data binding + SDK GetQuote). This is
 *    SIMULATOR quote generation, not TDX hardware.
 * 3. Attestation verification with dcap-qvl, offline: warm (collateral cached) on a worker and
 *    in-process; cold (first call in this process, first call in a fresh worker, collateral
 *    fetched through the simulator's PCCS routes); on a simulator quote (test root, full
 *    attestation checks) and on the real Intel sample quote (Intel root, clock pinned inside its
 *    collateral, chain and status only); and the event-loop delay while verifications run.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { secp256k1 } from '@noble/curves/secp256k1';
import { DstackClient } from '@phala/dstack-sdk';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { TDX_SAMPLE_DIR, loadTdxSample, startDstackFixture } from '../fixtures/dstack.ts';
import { teeOptions } from '../src/bench/experiments/tee/options.ts';
import { COLD_WITH_FETCH, type LoopDelay, TEE_BENCH, type TeeExtras } from '../src/bench/experiments/tee/records.ts';
import { recordExtra } from '../src/bench/extras.ts';
import { samplesOf, stretchedBench } from '../src/bench/harness.ts';
import { type AttestationEvidence, attest, bytesOfHex } from '../src/tee/attestation.ts';
import { CollateralCache, collateralFromFile, pccsCollateral } from '../src/tee/collateral.ts';
import { dockerAvailable } from '../src/tee/docker.ts';
import { CHAIN_KEY_PATH, CHAIN_KEY_PURPOSE } from '../src/tee/keys.ts';
import { type TeeIdentity, loadTeeIdentity } from '../src/tee/identity.ts';
import type { VerificationPolicy } from '../src/tee/policy.ts';
import { DSTACK_SIMULATOR_APP_KEYS, getKey as simulatorGetKey } from '../src/tee/sim/keys.ts';
import type { DstackSimulator } from '../src/tee/sim/server.ts';
import { VerifierPool } from '../src/tee/verify-pool.ts';
import { type Executor, type TrustConfig, type VerificationResult, intelTrust, testTrust, verifyAttestation, verifyQuote } from '../src/tee/verify.ts';

const EXPERIMENT = 'tee';
const SEED = 'pbts-bench-tee';
const options = teeOptions();
const keySamples = samplesOf(options.iterations, options.warmup);
const verifySamples = samplesOf(options.verifyIterations, options.warmup);
const policy: VerificationPolicy = { allowedStatuses: ['UpToDate'], measurements: 'any' };
const real = loadTdxSample();
const sample = 'sample' in real ? real.sample : undefined;

interface Session {
  sim: DstackSimulator;
  identity: TeeIdentity;
  evidence: AttestationEvidence;
  nonce: Uint8Array;
  simTrust: TrustConfig;
  sampleTrust?: TrustConfig;
  pool: VerifierPool;
}
let session: Session | undefined;
const outcomes: NonNullable<TeeExtras['outcomes']> = {};

function current(): Session {
  if (!session) throw new Error('TEE set-up did not complete');
  return session;
}

/** Counts the outcome under `name`; a failed verification fails the benchmark. */
function counted(name: string, result: VerificationResult): void {
  const entry = (outcomes[name] ??= { attempts: 0, successes: 0 });
  entry.attempts++;
  if (!result.ok) throw new Error(`${name}: verification failed (${result.reason}: ${result.detail})`);
  entry.successes++;
}

const verifySim = (s: Session, executor: Executor, pool = s.pool) =>
  verifyAttestation(s.evidence, { trust: s.simTrust, policy, expected: { nonce: s.nonce }, executor, pool });
const verifySample = (s: Session, executor: Executor, pool = s.pool) =>
  verifyQuote(sample!.quote, { trust: s.sampleTrust!, policy, executor, pool });

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

/** Event-loop delay while `count` verifications run one after another, each started from a fresh macrotask (as requests arrive). */
async function loopDelayDuring(count: number, verify: () => Promise<VerificationResult>): Promise<LoopDelay> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    counted('event loop', await verify());
  }
  histogram.disable();
  return { max_ms: histogram.max / 1e6, p99_ms: histogram.percentile(99) / 1e6, mean_ms: histogram.mean / 1e6, verifications: count };
}

/** Cold figures: the first calls, fresh workers, and collateral fetched through the PCCS routes. */
async function measureCold(s: Session): Promise<Record<string, number[]>> {
  const cold: Record<string, number[]> = {};
  const add = (label: string, value: number) => (cold[label] ??= []).push(value);
  // Before any other verification in this process: JIT and X.509 warm-up included.
  const [firstSim, simResult] = await timed(() => verifySim(s, 'in-process'));
  counted('cold', simResult);
  add('simulator quote, first call in this process', firstSim);
  if (sample) {
    const [firstSample, sampleResult] = await timed(() => verifySample(s, 'in-process'));
    counted('cold', sampleResult);
    add('Intel sample quote, first call in this process', firstSample);
  }
  for (let run = 0; run < options.verifyIterations; run++) {
    for (const which of sample ? (['simulator', 'Intel sample'] as const) : (['simulator'] as const)) {
      const fresh = new VerifierPool(1);
      try {
        const [start] = await timed(() => fresh.ready());
        add('fresh worker: spawn until ready (tsx + dcap-qvl load)', start);
        const [first, result] = await timed(() => (which === 'simulator' ? verifySim(s, 'worker', fresh) : verifySample(s, 'worker', fresh)));
        counted('cold', result);
        add(`${which} quote, first call in a fresh worker`, first);
      } finally {
        await fresh.close();
      }
    }
    const cache = new CollateralCache(pccsCollateral(s.sim.endpoint));
    const quote = bytesOfHex(s.evidence.quote);
    const [fetch] = await timed(() => cache.get(quote, Date.now()));
    add('simulator collateral via PCCS routes (4 GETs, loopback)', fetch);
    const trust = { ...s.simTrust, collateral: new CollateralCache(pccsCollateral(s.sim.endpoint)) };
    const [total, result] = await timed(() =>
      verifyAttestation(s.evidence, { trust, policy, expected: { nonce: s.nonce }, executor: 'in-process' }),
    );
    counted('cold', result);
    add(COLD_WITH_FETCH, total);
  }
  return cold;
}

function notMeasured(docker: boolean): NonNullable<TeeExtras['not_measured']> {
  const list = [
    { what: 'Intel PCS / PCCS collateral round trips', why: 'no network here; their latency, rate limits and availability cannot be observed offline' },
    { what: 'real TDX quote generation (TDX module, QGS, Quoting Enclave)', why: 'no TDX hardware; the simulator builds quotes in JavaScript' },
    { what: 'end-to-end attestation on real TDX hardware', why: 'no TDX hardware' },
  ];
  if (!docker) list.push({ what: "the official dstack simulator image", why: 'no Docker engine' });
  if (!sample) list.push({ what: 'real Intel sample quote verification', why: ('missing' in real && real.missing) || 'absent' });
  return list;
}

beforeAll(async () => {
  const sim = await startDstackFixture({ seed: SEED });
  const loaded = await loadTeeIdentity({ endpoint: sim.socketPath, log: () => {} });
  if (loaded.mode === 'none') throw new Error('the dstack simulator was not found');
  const nonce = randomBytes(32);
  const evidence = await attest({ client: loaded.client, identity: loaded, nonce });
  session = {
    sim,
    identity: loaded,
    evidence,
    nonce,
    // Warm verification: collateral fetched once through the PCCS routes, then cached.
    simTrust: testTrust({ rootCaDer: sim.rootCaDer, collateral: new CollateralCache(pccsCollateral(sim.endpoint)) }),
    ...(sample && {
      sampleTrust: intelTrust(collateralFromFile(path.join(TDX_SAMPLE_DIR, 'tdx_quote_collateral.json')), () => sample.nowSecs * 1000),
    }),
    pool: new VerifierPool(1),
  };
  const require = createRequire(import.meta.url);
  const versionOf = (name: string) => {
    // Neither package exports its package.json: find it above the resolved entry point.
    let dir = path.dirname(require.resolve(name));
    while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
    return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  };
  recordExtra(EXPERIMENT, 'config', {
    iterations: options.iterations,
    verify_iterations: options.verifyIterations,
    warmup: options.warmup,
    simulator_seed: SEED,
    dcap_qvl: versionOf('@phala/dcap-qvl'),
    dstack_sdk: versionOf('@phala/dstack-sdk'),
  });
  if (!sample) {
    recordExtra(EXPERIMENT, 'sample_skipped', 'missing' in real ? real.missing : 'absent');
    console.info(`tee bench: Intel sample quote SKIPPED: ${'missing' in real ? real.missing : 'absent'}`);
  }
  recordExtra(EXPERIMENT, 'not_measured', notMeasured(await dockerAvailable()));
  recordExtra(EXPERIMENT, 'cold', await measureCold(session));
  await session.pool.ready();
  const count = Math.max(20, options.verifyIterations);
  recordExtra(EXPERIMENT, 'event_loop', {
    in_process: await loopDelayDuring(count, () => verifySim(current(), 'in-process')),
    worker: await loopDelayDuring(count, () => verifySim(current(), 'worker')),
  });
}, 600_000);

afterAll(async () => {
  recordExtra(EXPERIMENT, 'outcomes', outcomes);
  await session?.pool.close();
  await session?.sim.close();
});

describe('key generation', () => {
  stretchedBench(
    'regular (noble secp256k1)',
    () => secp256k1.getPublicKey(secp256k1.utils.randomPrivateKey(), true),
    keySamples,
  );
  bench(
    'TEE-derived (SDK GetKey over the simulator socket)',
    async () => {
      const client = new DstackClient(current().sim.socketPath);
      const { key } = await client.getKey(CHAIN_KEY_PATH, CHAIN_KEY_PURPOSE);
      secp256k1.getPublicKey(key, true);
    },
    keySamples,
  );
  // The two parts of the TEE path: transport alone, and the simulator's own work alone.
  bench('SDK round trip only (Version over the socket)', async () => void (await new DstackClient(current().sim.socketPath).version()), keySamples);
  stretchedBench(
    'simulator-side GetKey work (no transport)',
    () => simulatorGetKey(DSTACK_SIMULATOR_APP_KEYS, CHAIN_KEY_PATH, CHAIN_KEY_PURPOSE, 'secp256k1'),
    keySamples,
  );
});

describe('attestation generation', () => {
  bench(
    'SIMULATOR quote generation (SDK GetQuote over the socket)',
    async () => {
      const { identity } = current();
      await attest({ client: identity.client, identity, nonce: randomBytes(32) });
    },
    keySamples,
  );
});

describe('attestation verification', () => {
  bench('simulator quote, warm, worker', async () => counted(TEE_BENCH.simWorker, await verifySim(current(), 'worker')), verifySamples);
  bench('simulator quote, warm, in-process', async () => counted(TEE_BENCH.simInProcess, await verifySim(current(), 'in-process')), verifySamples);
  if (sample) {
    bench('Intel sample quote, warm, worker', async () => counted(TEE_BENCH.sampleWorker, await verifySample(current(), 'worker')), verifySamples);
    bench(
      'Intel sample quote, warm, in-process',
      async () => counted(TEE_BENCH.sampleInProcess, await verifySample(current(), 'in-process')),
      verifySamples,
    );
  }
});
