/**
 * What an experiment is to the harness: one registry entry with its name, bench file, options
 * and summarizer. The reporter, `pbts experiments`, run-all and the README's option tables all
 * read the registry (`registry.ts`).
 * @module
 */
import type { ExperimentReport } from '../report/model.ts';
import type { Summary } from '../stats.ts';

/** One option of an experiment: a CLI flag and the environment variable the bench file reads. */
export interface OptionSpec {
  /** The flag without its dashes (`batch-sizes`). */
  flag: string;
  /** The variable it sets (`PBTS_BATCH_SIZES`). */
  env: string;
  kind: 'value' | 'list' | 'boolean';
  /** Placeholder of the value in usage texts (default `N`). */
  arg?: string;
  /** The default as written in usage and the README (`1000`, `10 50 100 500`, `none`, `off`). */
  default: string;
  /** The `--quick` default, where it differs. */
  quick?: string;
  help: string;
}

/**
 * Builds an experiment's result keys and report from its benchmarks' summaries, keyed by full
 * bench name, and the figures its bench file recorded with `recordExtra`.
 */
export type Summarizer = (benchmarks: ReadonlyMap<string, Summary>, extras: Record<string, unknown>) => ExperimentReport;

/** One experiment. */
export interface Experiment {
  /** Its name: `pbts experiments <name>`, `--skip-<name>`, `reports/latest/<name>.json`. */
  name: string;
  /** Heading of its README section and of its part of SUMMARY.txt (`RECEIPT OPERATIONS`). */
  title: string;
  /** One line for `pbts experiments --help`. */
  summary: string;
  /** Its bench file, relative to the project root. */
  benchFile: string;
  /** Its own options (beyond `--output` and `--quick`). */
  options: OptionSpec[];
  /** run-all flags that set one of its options (the seed's `--receipt-iterations` sets `iterations`). */
  runAllFlags?: Record<string, string>;
  summarize: Summarizer;
}
