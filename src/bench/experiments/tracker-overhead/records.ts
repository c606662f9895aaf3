/**
 * What `bench/tracker-overhead.bench.ts` records besides its timings (`recordExtra`): the set-up,
 * every component's per-request samples, the on-chain confirmation series and what could not be
 * measured; with their readers, which keep only well-formed values because the extras are read
 * back from a file.
 * @module
 */

/** One tracker of the run, as started (or found). */
export interface TrackerSetup {
  url: string;
  /** `GET /chain/status`: enabled, mode, contract; null without a chain. */
  chain: { mode: string; rpc_url: string; contract: string | null; batch_ms: number | null } | null;
  /** `GET /tee/status` mode (`simulator`, `tdx`, `none`). */
  tee: string;
  /** BLS verification threads (null when not started by the bench). */
  verify_workers: number | null;
}

/** The set-up of a run (the `config` extra). */
export interface TrackerOverheadConfig {
  iterations: number;
  warmup: number;
  confirmations: number;
  quick: boolean;
  /** True when the bench started the trackers, Anvil and the simulator. */
  auto_started: boolean;
  /** Everything on, the tracker's default batch delay: every component is measured here. */
  main: TrackerSetup;
  /** Everything on, a small batch delay: the prompt on-chain confirmation. */
  prompt: TrackerSetup | null;
  /** Chain and TEE off: the other side of the combined comparison. */
  plain: TrackerSetup | null;
  /** Users registered for the reports (each receipt of a report has its own receiver). */
  users: number;
  client: { tool: string; process: string; registration: string };
  cores: number;
}

/** One component's timed samples (the `components` extra, by component key). */
export interface ComponentRecord {
  samples_ms: number[];
  /** Answers checked, warm-up included. */
  checked: number;
}

/** One on-chain confirmation series (the `confirmations` extra, by confirmation key). */
export interface ConfirmationRecord {
  /** The request's own latency, as its client saw it. */
  request_ms: number[];
  /** Request answered until its `BatchApplied` (with the user's event in the same transaction) was seen. */
  confirm_ms: number[];
  batch_ms: number;
}

/** Something this run could not measure, and why (the `not_measured` extra). */
export interface NotMeasured {
  what: string;
  why: string;
}

/** True for a plain object (not null, not an array). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finite numbers of a recorded list. */
function numbers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
}

/** The `config` extra, when recorded. */
export function readConfig(value: unknown): TrackerOverheadConfig | undefined {
  return isObject(value) && isObject(value.main) ? (value as unknown as TrackerOverheadConfig) : undefined;
}

/** The `components` extra: components with at least one sample. */
export function readComponents(value: unknown): Map<string, ComponentRecord> {
  const out = new Map<string, ComponentRecord>();
  if (!isObject(value)) return out;
  for (const [key, record] of Object.entries(value)) {
    if (!isObject(record)) continue;
    const samples = numbers(record.samples_ms);
    if (samples.length > 0) out.set(key, { samples_ms: samples, checked: typeof record.checked === 'number' ? record.checked : samples.length });
  }
  return out;
}

/** The `confirmations` extra: series with at least one confirmation. */
export function readConfirmations(value: unknown): Map<string, ConfirmationRecord> {
  const out = new Map<string, ConfirmationRecord>();
  if (!isObject(value)) return out;
  for (const [key, record] of Object.entries(value)) {
    if (!isObject(record)) continue;
    const confirm = numbers(record.confirm_ms);
    if (confirm.length === 0 || typeof record.batch_ms !== 'number') continue;
    out.set(key, { request_ms: numbers(record.request_ms), confirm_ms: confirm, batch_ms: record.batch_ms });
  }
  return out;
}

/** The `not_measured` extra. */
export function readNotMeasured(value: unknown): NotMeasured[] {
  return Array.isArray(value)
    ? value.filter((x): x is NotMeasured => isObject(x) && typeof x.what === 'string' && typeof x.why === 'string')
    : [];
}
