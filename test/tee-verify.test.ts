import { randomBytes } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils';
import type { Collateral } from '@phala/dcap-qvl';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadTdxSample, startDstackFixture } from '../fixtures/dstack.ts';
import { type AttestationEvidence, type Hex, attest, bytesOfHex } from '../src/tee/attestation.ts';
import { CollateralCache, pccsCollateral, staticCollateral } from '../src/tee/collateral.ts';
import { type TeeIdentity, loadTeeIdentity } from '../src/tee/identity.ts';
import { type VerificationPolicy, allowEntryOf, strictPolicy } from '../src/tee/policy.ts';
import { TDX_V4_OFFSETS } from '../src/tee/quote.ts';
import { SIM_OUT_OF_DATE_ADVISORY, SIM_TEE_TCB_SVN_OUT_OF_DATE } from '../src/tee/sim/collateral.ts';
import type { DstackSimulator } from '../src/tee/sim/server.ts';
import { VerifierPool } from '../src/tee/verify-pool.ts';
import {
  type TrustConfig,
  type VerificationResult,
  type VerifyOptions,
  intelTrust,
  testTrust,
  verifyAttestation,
  verifyQuote,
} from '../src/tee/verify.ts';

const SEED = 'tee-verify-test';
const NOW_MS = Date.UTC(2026, 10, 25, 12);
const DAY_MS = 86_400_000;
const clock = () => NOW_MS;
const quiet = () => {};
const ANY: VerificationPolicy = { allowedStatuses: ['UpToDate'], measurements: 'any' };

let sim: DstackSimulator;
let identity: TeeIdentity;
let nonce: Uint8Array;
let evidence: AttestationEvidence;
const pool = new VerifierPool(1);

async function identityAt(endpoint: string): Promise<TeeIdentity> {
  const loaded = await loadTeeIdentity({ endpoint, log: quiet });
  if (loaded.mode === 'none') throw new Error('expected a TEE identity');
  return loaded;
}

beforeAll(async () => {
  sim = await startDstackFixture({ seed: SEED, clock });
  identity = await identityAt(sim.socketPath);
  nonce = randomBytes(32);
  evidence = await attest({ client: identity.client, identity, nonce });
});
afterAll(async () => {
  await pool.close();
  await sim?.close();
});

const simTrust = (overrides: Partial<TrustConfig> = {}): TrustConfig => ({
  ...testTrust({ rootCaDer: sim.rootCaDer, collateral: staticCollateral(sim.collateral()), clock }),
  ...overrides,
});
const expected = () => ({
  nonce,
  identity: { chainAddress: identity.chainAccount.address, identityPublicKey: identity.identityPublicKey },
});
const check = (subject: AttestationEvidence, options: Partial<VerifyOptions> & { expected?: ReturnType<typeof expected> } = {}) =>
  verifyAttestation(subject, { trust: simTrust(), policy: ANY, expected: expected(), pool, ...options });

function flipQuote(subject: AttestationEvidence, offset: number): AttestationEvidence {
  const quote = bytesOfHex(subject.quote);
  quote[offset]! ^= 0x01;
  return { ...subject, quote: `0x${bytesToHex(quote)}` };
}

function rejected(result: VerificationResult) {
  if (result.ok) throw new Error('expected a rejection');
  return result;
}

describe('verifyAttestation on simulator quotes', () => {
  test('default: a simulator attestation verifies UpToDate under the opted-in test root, on a worker', async () => {
    const result = await check(evidence);
    expect(result).toMatchObject({ ok: true, tcbStatus: 'UpToDate', trustAnchor: 'test', testRootOptIn: true });
    expect(result.warnings.join('\n')).toMatch(/TEST root CA/);
    if (!result.ok) return;
    expect(result.appId).toBe('5bb4ff9a3837357f19dc176407a5709c62eb6c56');
    expect(result.measurement.rtmr3).toMatch(/^[0-9a-f]{96}$/);
  });

  test('behavior: the in-process executor gives the same verdict', async () => {
    const [worker, inProcess] = await Promise.all([check(evidence), check(evidence, { executor: 'in-process' })]);
    expect(inProcess).toEqual(worker);
  });

  test("error: Intel's root rejects simulator quotes (chain_untrusted)", async () => {
    const result = rejected(await check(evidence, { trust: intelTrust(staticCollateral(sim.collateral()), clock) }));
    expect(result).toMatchObject({ reason: 'chain_untrusted', trustAnchor: 'intel', testRootOptIn: false });
  });

  test('error: a test root without the explicit opt-in is refused, and Intel trust refuses any other root', async () => {
    expect(rejected(await check(evidence, { trust: simTrust({ allowTestRoot: false }) })).reason).toBe('test_root_not_allowed');
    const sneaky = { ...intelTrust(staticCollateral(sim.collateral()), clock), rootCaDer: sim.rootCaDer };
    expect(rejected(await check(evidence, { trust: sneaky })).reason).toBe('test_root_not_allowed');
  });

  test('error: a tampered quote byte fails the quote signature', async () => {
    expect(rejected(await check(flipQuote(evidence, TDX_V4_OFFSETS.mrTd))).reason).toBe('quote_signature');
    expect(rejected(await check(flipQuote(evidence, TDX_V4_OFFSETS.reportData + 63))).reason).toBe('quote_signature');
  });

  test("error: report_data that does not bind the claimed nonce is report_data_mismatch", async () => {
    // A genuine quote for another nonce, presented as the answer to ours.
    const other = await attest({ client: identity.client, identity, nonce: randomBytes(32) });
    const relabelled = { ...other, nonce: evidence.nonce };
    expect(rejected(await check(relabelled)).reason).toBe('report_data_mismatch');
    const editedField = { ...evidence, report_data: `0x${'00'.repeat(64)}` as Hex };
    expect(rejected(await check(editedField)).reason).toBe('report_data_mismatch');
  });

  test('error: an attestation for another nonce is nonce_mismatch', async () => {
    const result = rejected(await check(evidence, { expected: { ...expected(), nonce: randomBytes(32) } }));
    expect(result.reason).toBe('nonce_mismatch');
  });

  test('error: a quote claiming another identity is identity_mismatch', async () => {
    const stranger = { ...expected(), identity: { ...expected().identity, chainAddress: `0x${'11'.repeat(20)}` as Hex } };
    expect(rejected(await check(evidence, { expected: stranger })).reason).toBe('identity_mismatch');
  });

  test('error: tampered collateral fails its signature', async () => {
    const collateral: Collateral = { ...sim.collateral() };
    collateral.tcb_info = collateral.tcb_info.replace('"tcbEvaluationDataNumber":17', '"tcbEvaluationDataNumber":18');
    expect(rejected(await check(evidence, { trust: simTrust({ collateral: staticCollateral(collateral) }) })).reason).toBe(
      'collateral_signature',
    );
  });

  test('error: collateral has expired 40 days later', async () => {
    const later = simTrust({ clock: () => NOW_MS + 40 * DAY_MS });
    expect(rejected(await check(evidence, { trust: later })).reason).toBe('collateral_expired');
  });

  test('error: an event log that does not replay to the quote RTMR3 is rtmr3_mismatch', async () => {
    const log = evidence.event_log.map((entry) => (entry.event === 'compose-hash' ? { ...entry, event_payload: '00'.repeat(32) } : entry));
    expect(rejected(await check({ ...evidence, event_log: log })).reason).toBe('rtmr3_mismatch');
    // Forged digests change nothing: runtime digests are recomputed from the payloads.
    const forged = evidence.event_log.map((entry) => (entry.imr === 3 ? { ...entry, digest: 'ff'.repeat(48) } : entry));
    expect((await check({ ...evidence, event_log: forged })).ok).toBe(true);
  });

  test('behavior: the measurement allowlist accepts the running image and refuses any other', async () => {
    const accepted = await check(evidence);
    if (!accepted.ok) throw new Error(accepted.detail);
    expect((await check(evidence, { policy: strictPolicy([allowEntryOf(accepted.measurement)]) })).ok).toBe(true);
    const otherImage = { ...allowEntryOf(accepted.measurement), mrtd: '00'.repeat(48) };
    expect(rejected(await check(evidence, { policy: strictPolicy([otherImage]) })).reason).toBe('measurement_not_allowed');
  });

  test('behavior: app id, compose hash and KMS root allowlists come from the replayed events', async () => {
    const policy: VerificationPolicy = {
      ...ANY,
      appIds: ['0x5BB4FF9A3837357F19DC176407A5709C62EB6C56'],
      kmsRootPublicKeys: ['0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6'],
    };
    expect(await check(evidence, { policy })).toMatchObject({ ok: true, kmsRoot: `0x${policy.kmsRootPublicKeys![0]}` });
    expect(rejected(await check(evidence, { policy: { ...policy, appIds: ['00'.repeat(20)] } })).reason).toBe('app_id_not_allowed');
    expect(rejected(await check(evidence, { policy: { ...policy, composeHashes: ['00'.repeat(32)] } })).reason).toBe(
      'compose_hash_not_allowed',
    );
    expect(rejected(await check(evidence, { policy: { ...policy, kmsRootPublicKeys: [`02${'00'.repeat(32)}`] } })).reason).toBe(
      'kms_root_not_allowed',
    );
  });

  test('error: malformed evidence and unreachable collateral have their own reasons', async () => {
    expect(rejected(await check({ ...evidence, quote: '0xzz' })).reason).toBe('evidence_malformed');
    expect(rejected(await check({ ...evidence, event_log: [{ imr: 7 }] as never })).reason).toBe('evidence_malformed');
    const down = simTrust({ collateral: pccsCollateral('http://127.0.0.1:9', { timeoutMs: 2_000 }) });
    expect(rejected(await check(evidence, { trust: down })).reason).toBe('collateral_unavailable');
  });

  test('behavior: collateral fetched through the PCCS routes verifies, and is cached', async () => {
    const cache = new CollateralCache(pccsCollateral(sim.endpoint));
    const trust = simTrust({ collateral: cache });
    expect((await check(evidence, { trust })).ok).toBe(true);
    expect((await check(evidence, { trust })).ok).toBe(true);
    expect(cache.stats).toEqual({ hits: 1, misses: 1 });
  });

  test('behavior: the worker keeps the event loop free (a setImmediate runs before the result)', async () => {
    const order: string[] = [];
    const verification = check(evidence).then((result) => order.push(result.ok ? 'verified' : 'rejected'));
    await new Promise((resolve) => setImmediate(resolve));
    order.push('event loop turned');
    await verification;
    expect(order).toEqual(['event loop turned', 'verified']);
  });
});

describe('TCB status policy', () => {
  let behind: DstackSimulator;
  let stale: AttestationEvidence;
  let staleIdentity: TeeIdentity;
  beforeAll(async () => {
    behind = await startDstackFixture({ seed: SEED, clock, teeTcbSvn: SIM_TEE_TCB_SVN_OUT_OF_DATE });
    staleIdentity = await identityAt(behind.endpoint);
    stale = await attest({ client: staleIdentity.client, identity: staleIdentity, nonce });
  });
  afterAll(() => behind?.close());

  test('error: an OutOfDate TCB is refused by the strict (default) policy', async () => {
    const result = rejected(await check(stale));
    expect(result).toMatchObject({ reason: 'tcb_status', tcbStatus: 'OutOfDate' });
    expect(result.detail).toContain(SIM_OUT_OF_DATE_ADVISORY);
  });

  test('behavior: a policy that allows OutOfDate accepts it, with a warning', async () => {
    const result = await check(stale, { policy: { ...ANY, allowedStatuses: ['UpToDate', 'OutOfDate'] } });
    expect(result).toMatchObject({ ok: true, tcbStatus: 'OutOfDate', advisoryIds: [SIM_OUT_OF_DATE_ADVISORY] });
    expect(result.warnings.join('\n')).toMatch(/OutOfDate accepted by policy/);
  });
});

const real = loadTdxSample();
describe.skipIf('missing' in real)(`real Intel TDX sample${'missing' in real ? ` (SKIPPED: ${real.missing})` : ''}`, () => {
  // Its report_data is not ours: only the chain, signatures and TCB status are checked.
  const sample = 'sample' in real ? real.sample : undefined!;
  const trustAt = (secs: number) => intelTrust(staticCollateral(sample.collateral), () => secs * 1000);

  test('default: verifies UpToDate offline under Intel\'s root with the clock pinned inside its collateral', async () => {
    const result = await verifyQuote(sample.quote, { trust: trustAt(sample.nowSecs), policy: ANY, pool });
    expect(result).toMatchObject({ ok: true, tcbStatus: 'UpToDate', trustAnchor: 'intel', testRootOptIn: false });
  });

  test('error: one flipped bit fails the quote signature; today its collateral has expired', async () => {
    const flipped = sample.quote.slice();
    flipped[TDX_V4_OFFSETS.reportData]! ^= 0x01;
    expect(rejected(await verifyQuote(flipped, { trust: trustAt(sample.nowSecs), policy: ANY, pool })).reason).toBe('quote_signature');
    expect(rejected(await verifyQuote(sample.quote, { trust: trustAt(Date.now() / 1000), policy: ANY, pool })).reason).toBe(
      'collateral_expired',
    );
  });

  test('error: the simulator root does not verify a real quote', async () => {
    const wrongRoot = testTrust({ rootCaDer: sim.rootCaDer, collateral: staticCollateral(sample.collateral), clock: () => sample.nowSecs * 1000 });
    expect(rejected(await verifyQuote(sample.quote, { trust: wrongRoot, policy: ANY, pool })).reason).toBe('chain_untrusted');
  });
});
