/**
 * What the TEE bench file and its summarizer share: the bench names, the label of the cold
 * verification that fetches collateral, and the figures the bench records with `recordExtra`.
 * @module
 */

/** Bench names (full, `describe > bench`). */
export const TEE_BENCH = {
  regularKey: 'key generation > regular (noble secp256k1)',
  teeKey: 'key generation > TEE-derived (SDK GetKey over the simulator socket)',
  sdkRoundTrip: 'key generation > SDK round trip only (Version over the socket)',
  simKeyWork: 'key generation > simulator-side GetKey work (no transport)',
  quote: 'attestation generation > SIMULATOR quote generation (SDK GetQuote over the socket)',
  simWorker: 'attestation verification > simulator quote, warm, worker',
  simInProcess: 'attestation verification > simulator quote, warm, in-process',
  sampleWorker: 'attestation verification > Intel sample quote, warm, worker',
  sampleInProcess: 'attestation verification > Intel sample quote, warm, in-process',
} as const;

/**
 * Cold series of a verification that first fetches its collateral: what the seed measured (its
 * verifier fetched collateral from Intel on every call).
 */
export const COLD_WITH_FETCH = 'simulator quote, PCCS fetch + verification (in-process)';

/** Event-loop delay while verifications run back to back (from `monitorEventLoopDelay`, ms). */
export interface LoopDelay {
  max_ms: number;
  p99_ms: number;
  mean_ms: number;
  verifications: number;
}

/** Figures the bench file measures itself and records with `recordExtra`. */
export interface TeeExtras {
  config?: { iterations: number; verify_iterations: number; warmup: number; simulator_seed: string; dcap_qvl: string; dstack_sdk: string };
  /** Cold timings, ms, by label. */
  cold?: Record<string, number[]>;
  event_loop?: { in_process: LoopDelay; worker: LoopDelay };
  /** Verification outcomes per bench: attempts and successes. */
  outcomes?: Record<string, { attempts: number; successes: number }>;
  /** Why the real sample was not measured, when it was not. */
  sample_skipped?: string;
  /** What could not be measured here, and why. */
  not_measured?: Array<{ what: string; why: string }>;
}

/** The warm verification cases: result key, bench name, quote and mode as printed. */
export const WARM_CASES = [
  ['simulator_worker', TEE_BENCH.simWorker, 'simulator (test root)', 'worker, warm'],
  ['simulator_in_process', TEE_BENCH.simInProcess, 'simulator (test root)', 'in-process, warm'],
  ['intel_sample_worker', TEE_BENCH.sampleWorker, 'Intel sample (pinned clock)', 'worker, warm'],
  ['intel_sample_in_process', TEE_BENCH.sampleInProcess, 'Intel sample (pinned clock)', 'in-process, warm'],
] as const;
