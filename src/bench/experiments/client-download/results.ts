/**
 * The client-download results of a run: the receipt work measured by the benchmarks
 * (`client-download > model > receipt sign`, `> receipt verify`, `> piece hash <KB> KB`), the model
 * built on it, and the real transfers by cell. The report and the result file's keys are both
 * built from these.
 * @module
 */
import type { Summary } from '../../stats.ts';
import { type ModelInsights, type ModelScenario, type ReceiptCost, modelInsights, modelScenario, modelScenarios } from './model.ts';
import { type ClientDownloadConfig, type TransferRun, readConfig, readTransfers } from './records.ts';
import { type CellResult, cellResults } from './transfers.ts';

/** The seed's defaults, for a model rebuilt from a result file without its `config`. */
const DEFAULT_SPEEDS = [1, 5, 10, 25, 50, 100];
const DEFAULT_PIECE_SIZES = [256, 512, 1024, 2048];
const DEFAULT_FILE_SIZE_MB = 100;

/** Everything a run measured; absent where its benchmark or extra is. */
export interface ClientDownloadResults {
  config?: ClientDownloadConfig;
  sign?: Summary;
  verify?: Summary;
  /** SHA-256 of one piece, by piece size in KB. */
  hashes: Map<number, Summary>;
  /** Mean receipt work, when signing and verification were both measured. */
  cost?: ReceiptCost;
  /** The model over the run's speeds and piece sizes. */
  scenarios: ModelScenario[];
  insights?: ModelInsights;
  /** The model at 100 MB/s with 1 MiB pieces (the headline and the target cell), also when not in the grid. */
  modelAt1MiB100?: ModelScenario;
  runs: TransferRun[];
  cells: CellResult[];
}

const BENCH_NAME = /^client-download > model > (?:piece hash (\d+) KB|(receipt sign|receipt verify))$/;

/** The results of a run from its benchmarks' summaries (by full bench name) and its extras. */
export function clientDownloadResults(benchmarks: ReadonlyMap<string, Summary>, extras: Record<string, unknown>): ClientDownloadResults {
  const config = readConfig(extras.config);
  const hashes = new Map<number, Summary>();
  let sign: Summary | undefined;
  let verify: Summary | undefined;
  for (const [name, summary] of benchmarks) {
    const match = BENCH_NAME.exec(name);
    if (match?.[1] !== undefined) hashes.set(Number(match[1]), summary);
    else if (match?.[2] === 'receipt sign') sign = summary;
    else if (match?.[2] === 'receipt verify') verify = summary;
  }
  // The seed's figure is the mean (reference spec 6.3).
  const cost: ReceiptCost | undefined =
    sign && verify
      ? { sign_ms: sign.mean_ms, verify_ms: verify.mean_ms, hash_ms: new Map([...hashes].map(([kb, s]) => [kb, s.mean_ms])) }
      : undefined;
  const speeds = config?.speeds_mbps ?? DEFAULT_SPEEDS;
  const pieceSizes = config?.piece_sizes_kb ?? DEFAULT_PIECE_SIZES;
  const fileSizeMb = config?.file_size_mb ?? DEFAULT_FILE_SIZE_MB;
  const scenarios = cost ? modelScenarios(cost, speeds, pieceSizes, fileSizeMb) : [];
  const runs = readTransfers(extras.transfers);
  return {
    config,
    sign,
    verify,
    hashes,
    cost,
    scenarios,
    insights: modelInsights(scenarios),
    modelAt1MiB100: cost && modelScenario(cost, 100, 1024, fileSizeMb),
    runs,
    cells: cellResults(runs, cost, config?.cores),
  };
}
