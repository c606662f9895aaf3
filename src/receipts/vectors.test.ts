/**
 * Conformance: the Ethereum consensus BLS test vectors (ethereum/bls12-381-tests v0.1.1) and the
 * EIP-2333 master-key cases, run against both backends. The project's ciphersuite is the
 * vectors' own (`BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`, see `SIG_DST`), so sign and verify
 * cases map directly. Where the project differs on purpose (it refuses the point at infinity as a
 * key or a signature), {@link DIFFERENCES} names the case, the project's answer and why; every
 * other case must give the vector's answer. The vectors live outside the repository, in
 * `../shared/bls-vectors/` beside the checkout (as in CI); without them this file fails.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { getBackend } from './backend.ts';
import { BACKEND_NAMES, BlsError, SIG_DST } from './bls.ts';
import { keygen } from './keys.ts';

const VECTORS_DIR = process.env.PBTS_BLS_VECTORS ?? path.resolve(import.meta.dirname, '../../../shared/bls-vectors');
const ETH_DIR = path.join(VECTORS_DIR, 'eth-bls12-381-tests-v0.1.1');
const EIP2333_FILE = path.join(VECTORS_DIR, 'eip-2333', 'master-sk.json');
if (!existsSync(ETH_DIR) || !existsSync(EIP2333_FILE)) {
  // Fail loudly: a conformance suite that skips itself when its data is gone proves nothing.
  throw new Error(
    `BLS conformance vectors not found: expected ${ETH_DIR} and ${EIP2333_FILE} ` +
      '(the shared folder sits beside the checkout, as in CI; PBTS_BLS_VECTORS=<dir> points elsewhere)',
  );
}

/** The ciphersuite the vectors were generated with. */
const VECTORS_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));
const hexOf = (value: Uint8Array) => `0x${Buffer.from(value).toString('hex')}`;

interface Case<I = any, O = any> {
  name: string;
  input: I;
  output: O;
}
function cases(suite: string): Case[] {
  const dir = path.join(ETH_DIR, suite);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ name: file.replace(/\.json$/, ''), ...JSON.parse(readFileSync(path.join(dir, file), 'utf8')) }));
}

/**
 * Cases where the project deliberately gives another answer than the vector, with that answer.
 * Keyed `<suite>/<case>`.
 */
const DIFFERENCES: Record<string, { project: unknown; why: string }> = {
  'deserialization_G1/deserialization_succeeds_infinity_with_true_b_flag': {
    project: false,
    why: 'the point at infinity is never a valid public key here (it would verify anything aggregated with it); the vector only tests decoding',
  },
  'deserialization_G2/deserialization_succeeds_infinity_with_true_b_flag': {
    project: false,
    why: 'the point at infinity is never a valid signature here (an empty aggregate means no receipts)',
  },
  'aggregate/aggregate_infinity_signature': {
    project: null,
    why: 'aggregate refuses an infinity signature with BlsError instead of summing it',
  },
};

/** Suites in the vector set that do not map onto the project's API, and why. */
const NOT_MAPPED: Record<string, string> = {
  hash_to_G2:
    'RFC 9380 hash-to-curve vectors under the QUUX test DST: the project exposes no hash-to-curve (it is internal to sign/verify, which the sign and verify vectors cover)',
};

/** Runs one case's operation on a backend; returns what the project answers in the vector's terms. */
type Runner = (backend: ReturnType<typeof getBackend>, input: any) => unknown;

/** Vector output `null` means "fails": a BlsError thrown maps to null. */
function orNull(run: () => Uint8Array): string | null {
  try {
    return hexOf(run());
  } catch (error) {
    if (error instanceof BlsError) return null;
    throw error;
  }
}
function decodes(run: () => void): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof BlsError) return false;
    throw error;
  }
}

const RUNNERS: Record<string, Runner> = {
  // Sign(SK, message) under the POP ciphersuite's signature DST: the project's `sign`.
  sign: (backend, input) => orNull(() => backend.sign(bytes(input.privkey), bytes(input.message))),
  verify: (backend, input) => backend.verify(bytes(input.pubkey), bytes(input.message), bytes(input.signature)),
  aggregate: (backend, input: string[]) => orNull(() => backend.aggregate(input.map(bytes))),
  aggregate_verify: (backend, input) =>
    backend.aggregateVerify(input.pubkeys.map(bytes), input.messages.map(bytes), bytes(input.signature)),
  // FastAggregateVerify(PKs, m, sig) is AggregateVerify with m repeated: the same pairing check
  // e(sum PK, H(m)) = e(g1, sig), sound under the POP ciphersuite. The project has no separate
  // entry point, so the repeated-message form of aggregateVerify is what runs.
  fast_aggregate_verify: (backend, input) =>
    backend.aggregateVerify(
      input.pubkeys.map(bytes),
      input.pubkeys.map(() => bytes(input.message)),
      bytes(input.signature),
    ),
  // A batch is valid when every (PK, message, signature) triple verifies.
  batch_verify: (backend, input) =>
    input.pubkeys.every((pk: string, i: number) =>
      backend.verify(bytes(pk), bytes(input.messages[i]), bytes(input.signatures[i])),
    ),
  deserialization_G1: (backend, input) => decodes(() => backend.validatePublicKey(bytes(input.pubkey))),
  deserialization_G2: (backend, input) => decodes(() => backend.validateSignature(bytes(input.signature))),
};

const SUITES = readdirSync(ETH_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

test('default: the project signs under the vectors\' ciphersuite, so sign and verify vectors map directly', () => {
  expect(SIG_DST).toBe(VECTORS_DST);
});

test('behavior: every suite of the vector set is either run or says why it does not map', () => {
  expect(SUITES.length).toBeGreaterThanOrEqual(9);
  for (const suite of SUITES) {
    expect(suite in RUNNERS || suite in NOT_MAPPED, suite).toBe(true);
  }
  // Every documented difference names a case that exists, and no case has silently vanished.
  for (const key of Object.keys(DIFFERENCES)) {
    const [suite, name] = key.split('/');
    expect(cases(suite!).map((c) => c.name), key).toContain(name);
  }
  const mapped = SUITES.filter((suite) => suite in RUNNERS).reduce((n, suite) => n + cases(suite).length, 0);
  expect(mapped).toBe(92); // 96 cases, less the 4 hash_to_G2 ones
});

describe.each(BACKEND_NAMES)('Ethereum BLS vectors on %s', (name) => {
  const backend = getBackend(name);
  for (const suite of SUITES.filter((s) => s in RUNNERS)) {
    describe(suite, () => {
      for (const vector of cases(suite)) {
        const difference = DIFFERENCES[`${suite}/${vector.name}`];
        const title = difference
          ? `behavior: ${vector.name} gives ${JSON.stringify(difference.project)}, not the vector's answer: ${difference.why}`
          : `default: ${vector.name}`;
        test(title, () => {
          const answer = RUNNERS[suite]!(backend, vector.input);
          if (difference) {
            expect(answer).toEqual(difference.project);
            expect(answer).not.toEqual(vector.output);
          } else {
            expect(answer).toEqual(vector.output);
          }
          // A produced signature must also verify under the project's own verify.
          if (suite === 'sign' && vector.output !== null) {
            const secretKey = bytes(vector.input.privkey);
            expect(backend.verify(backend.publicKey(secretKey), bytes(vector.input.message), bytes(vector.output))).toBe(true);
          }
        });
      }
    });
  }

  test('behavior: a forged batch (signatures altered so their sum is unchanged) fails per signature; the aggregate check sees only the sum', () => {
    // The tracker verifies a report's aggregate signature, never the receipts' own signatures,
    // so the individual signatures that make up a report carry no weight of their own.
    const [forged] = cases('batch_verify').filter((c) => c.name === 'batch_verify_invalid_forged_signature_set');
    const { pubkeys, messages, signatures } = forged!.input;
    expect(RUNNERS.batch_verify!(backend, forged!.input)).toBe(false);
    const sum = backend.aggregate(signatures.map(bytes));
    expect(backend.aggregateVerify(pubkeys.map(bytes), messages.map(bytes), sum)).toBe(true);
  });
});

describe('EIP-2333 master keys', () => {
  const { cases: masterCases } = JSON.parse(readFileSync(EIP2333_FILE, 'utf8')) as {
    cases: { name: string; seed: string; master_SK: string }[];
  };
  test('default: the file holds the four EIP test cases', () => {
    expect(masterCases.map((c) => c.name)).toEqual(['test_case_0', 'test_case_1', 'test_case_2', 'test_case_3']);
  });
  for (const vector of masterCases) {
    test(`default: ${vector.name}: keygen(seed) is derive_master_SK(seed), and both backends agree on its public key`, () => {
      const secretKey = keygen(bytes(vector.seed.toLowerCase()));
      expect(BigInt(hexOf(secretKey))).toBe(BigInt(vector.master_SK));
      expect(getBackend('noble').publicKey(secretKey)).toEqual(getBackend('blst').publicKey(secretKey));
    });
  }
  // child_SK (EIP-2333 tree derivation) is recorded in the file but the project has no child
  // derivation: keys are generated fresh per user (`pbts keygen`), so those values do not map.
});
