/**
 * The figures the authors' experiment README gives (seed-experiments.md, its "Expected Output"
 * blocks), each with the headline figure of ours that measures the same thing, and what differs.
 * They are the prototype's published text, not measurements of ours.
 * @module
 */

/** One published figure and the headline figure of ours it is compared with. */
export interface PrototypeFigure {
  label: string;
  experiment: string;
  /** Our headline key. */
  key: string;
  prototype: number;
  unit: string;
  /** Whether a larger figure is better (throughput, speedup) or worse (latency). */
  higherIsBetter: boolean;
  /** Where the two measure different things. */
  note: string;
}

export const PROTOTYPE_FIGURES: readonly PrototypeFigure[] = [
  { label: 'Keypair generation (mean)', experiment: 'receipts', key: 'keypair_generation_mean_ms', prototype: 0.3421, unit: 'ms', higherIsBetter: false, note: 'py_ecc vs blst' },
  { label: 'Receipt creation (mean)', experiment: 'receipts', key: 'receipt_creation_mean_ms', prototype: 4.2134, unit: 'ms', higherIsBetter: false, note: '' },
  { label: 'Receipt verification (mean)', experiment: 'receipts', key: 'receipt_verification_mean_ms', prototype: 8.7453, unit: 'ms', higherIsBetter: false, note: '' },
  {
    label: 'Aggregate verification, 100 (mean)',
    experiment: 'receipts',
    key: 'aggregate_verification_100_mean_ms',
    prototype: 45.23,
    unit: 'ms',
    higherIsBetter: false,
    note: 'ours: distinct receivers, fresh receipts',
  },
  {
    label: 'Aggregation speedup, 100',
    experiment: 'receipts',
    key: 'aggregate_speedup_100',
    prototype: 19.34,
    unit: 'x',
    higherIsBetter: true,
    note: 'theirs illustrative: distinct messages bound it to ~2-4x',
  },
  { label: 'TEE key derivation overhead', experiment: 'tee', key: 'tee_key_overhead_ms', prototype: 4.892, unit: 'ms', higherIsBetter: false, note: 'ours: SDK + simulator socket, no TDX' },
  { label: 'Attestation generation (mean)', experiment: 'tee', key: 'attestation_generation_mean_ms', prototype: 15.23, unit: 'ms', higherIsBetter: false, note: 'ours: simulator quote, not TDX hardware' },
  {
    label: 'Attestation verification (mean)',
    experiment: 'tee',
    key: 'attestation_verification_mean_ms',
    prototype: 2534.12,
    unit: 'ms',
    higherIsBetter: false,
    note: 'theirs fetched collateral from Intel; ours warm, offline',
  },
  { label: 'On-chain registration (mean)', experiment: 'onchain', key: 'registration_mean_ms', prototype: 145.23, unit: 'ms', higherIsBetter: false, note: 'both local Anvil, no block time' },
  { label: 'Reputation update (mean)', experiment: 'onchain', key: 'update_mean_ms', prototype: 98.45, unit: 'ms', higherIsBetter: false, note: 'both local Anvil, no block time' },
  { label: 'Batched updates, 100 per tx', experiment: 'onchain', key: 'batch_throughput_100', prototype: 10.12, unit: 'updates/s', higherIsBetter: true, note: 'theirs: one tx per update' },
  {
    label: 'Announces at 100 clients',
    experiment: 'load',
    key: 'announce_throughput_rps',
    prototype: 1234.56,
    unit: 'req/s',
    higherIsBetter: true,
    note: 'ours: private mode, largest client count run',
  },
  {
    label: 'Receipt reports at 100 clients',
    experiment: 'load',
    key: 'report_throughput_rps',
    prototype: 145.67,
    unit: 'req/s',
    higherIsBetter: true,
    note: 'ours: 10 fresh receipts per report',
  },
  {
    label: 'Tracker: baseline announce',
    experiment: 'tracker-overhead',
    key: 'baseline_announce_mean_ms',
    prototype: 2.341,
    unit: 'ms',
    higherIsBetter: false,
    note: 'ours: private mode, passkey announce',
  },
  {
    label: 'Tracker: report of 100 receipts',
    experiment: 'tracker-overhead',
    key: 'report_100_mean_ms',
    prototype: 125.678,
    unit: 'ms',
    higherIsBetter: false,
    note: 'theirs re-posted spent receipts (refusal path); ours fresh',
  },
  {
    label: 'Tracker: combined (10 + chain)',
    experiment: 'tracker-overhead',
    key: 'combined_mean_ms',
    prototype: 135.789,
    unit: 'ms',
    higherIsBetter: false,
    note: 'theirs waited for a tx (timed 400s); ours answers first',
  },
];
