/**
 * A tracker-overhead run on fixed figures, for the tests of its report.
 * @module
 */
import type { ComponentRecord, ConfirmationRecord, NotMeasured, TrackerOverheadConfig } from './records.ts';

/** `n` samples around `base` (spread of +-10%, fixed). */
export const around = (base: number, n = 10): number[] => Array.from({ length: n }, (_, i) => base * (0.9 + ((i * 7) % 11) / 50));

const record = (base: number, n = 10): ComponentRecord => ({ samples_ms: around(base, n), checked: n + 2 });

/** Every component, as a 2-core run measures them. */
export const COMPONENT_RECORDS: Record<string, ComponentRecord> = {
  baseline: record(0.2),
  parallel_baseline: record(1.6, 100),
  tee_keygen: record(3.5),
  tee_attestation: record(3.2),
  attestation_verification: record(14),
  receipt_single: record(3.4),
  receipt_batch_10: record(8),
  receipt_batch_50: record(30),
  receipt_batch_100: record(60),
  onchain_register: record(45),
  onchain_update: record(8.5, 3),
  combined: record(9),
  combined_off: record(8),
};

const confirmation = (request: number, confirm: number, batch: number): ConfirmationRecord => ({
  request_ms: around(request, 3),
  confirm_ms: around(confirm, 3),
  batch_ms: batch,
});

/** The four confirmation series. */
export const CONFIRMATION_RECORDS: Record<string, ConfirmationRecord> = {
  register_default: confirmation(45, 1010, 1000),
  report_default: confirmation(8.5, 1014, 1000),
  register_small: confirmation(46, 18, 10),
  report_small: confirmation(9, 22, 10),
};

const chain = (batch: number) => ({ mode: 'embedded', rpc_url: 'http://127.0.0.1:4100', contract: '0xA124a44D9De4F62d98e6C58e9F1348E297445d71', batch_ms: batch });

/** The set-up of a run the bench started. */
export const CONFIG: TrackerOverheadConfig = {
  iterations: 10,
  warmup: 2,
  confirmations: 3,
  quick: false,
  auto_started: true,
  main: { url: 'http://127.0.0.1:4000', chain: chain(1000), tee: 'simulator', verify_workers: 2 },
  prompt: { url: 'http://127.0.0.1:4001', chain: chain(10), tee: 'simulator', verify_workers: 2 },
  plain: { url: 'http://127.0.0.1:4002', chain: null, tee: 'none', verify_workers: 2 },
  users: 101,
  client: { tool: 'keep-alive engine', process: 'its own process', registration: 'the tracker client' },
  cores: 2,
};

/** What the run could not measure. */
export const NOT_MEASURED: NotMeasured[] = [{ what: 'real TDX quote generation', why: 'no TDX hardware here' }];

/** All extras of the run. */
export const EXTRAS = { config: CONFIG, components: COMPONENT_RECORDS, confirmations: CONFIRMATION_RECORDS, not_measured: NOT_MEASURED };
