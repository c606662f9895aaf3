/**
 * The components the tracker-overhead experiment times, in the breakdown's order: result key (the
 * reference's, where it has one), the label of the breakdown table, and what one sample is.
 * @module
 */

/** One timed component. */
export interface ComponentSpec {
  key: string;
  label: string;
  /** What one sample is, for the per-component table and the README. */
  sample: string;
}

const receipts = (n: number): ComponentSpec => ({
  key: n === 1 ? 'receipt_single' : `receipt_batch_${n}`,
  label: `Receipt verification (${n} receipt${n === 1 ? '' : 's'})`,
  sample: `POST /report of ${n} fresh receipt${n === 1 ? '' : 's'} (aggregate signed beforehand), answered accepted`,
});

/** Every component, breakdown order. */
export const COMPONENTS: readonly ComponentSpec[] = [
  { key: 'baseline', label: 'Baseline (announce only)', sample: 'GET /announce/<passkey>, 1 client' },
  { key: 'parallel_baseline', label: 'Baseline, 10 parallel clients', sample: 'GET /announce/<passkey>, 10 clients at once' },
  { key: 'tee_keygen', label: 'TEE key derivation (GetKey x2)', sample: "dstack GetKey at the tracker's chain and identity paths" },
  { key: 'tee_attestation', label: 'TEE attestation generation', sample: 'GET /tee/attestation?nonce=<32 bytes>' },
  { key: 'attestation_verification', label: 'Attestation verification (peer)', sample: "a peer's dcap-qvl verification of one answer, collateral cached" },
  receipts(1),
  receipts(10),
  receipts(50),
  receipts(100),
  { key: 'onchain_register', label: 'On-chain user registration', sample: 'POST /register with a proof of possession, chain on' },
  { key: 'onchain_update', label: 'On-chain reputation update (report)', sample: 'POST /report of 10 receipts, then wait for its batch' },
  { key: 'combined', label: 'Combined (10 receipts, chain + TEE on)', sample: 'POST /report of 10 receipts, back to back' },
  { key: 'combined_off', label: 'Same, chain and TEE off', sample: 'POST /report of 10 receipts to a tracker without chain and TEE' },
];

/** The component `key`; throws for an unknown one. */
export function componentNamed(key: string): ComponentSpec {
  const spec = COMPONENTS.find((c) => c.key === key);
  if (!spec) throw new Error(`unknown component "${key}"`);
  return spec;
}

/** Receipts per report of a receipt-verification component, or undefined for others. */
export function receiptCount(key: string): number | undefined {
  if (key === 'receipt_single') return 1;
  const match = /^receipt_batch_(\d+)$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** The on-chain confirmation series: which request, at which batch delay. */
export interface ConfirmationSpec {
  key: string;
  label: string;
  operation: 'registration' | 'report';
  /** The tracker's `--chain-batch-ms`: 'default' (1000) or 'small'. */
  batching: 'default' | 'small';
}

/** Every confirmation series, table order. */
export const CONFIRMATIONS: readonly ConfirmationSpec[] = [
  { key: 'register_default', label: 'Registration', operation: 'registration', batching: 'default' },
  { key: 'report_default', label: 'Report (10 receipts)', operation: 'report', batching: 'default' },
  { key: 'register_small', label: 'Registration', operation: 'registration', batching: 'small' },
  { key: 'report_small', label: 'Report (10 receipts)', operation: 'report', batching: 'small' },
];
