/**
 * An experiment's report as data: sections of tables (columns with units, rows of numbers),
 * figures, notes and target checks; named headline figures for SUMMARY.txt and COMPARISON.txt;
 * and charts. Renderers (`text.ts`, `html.ts`) turn it into the printed text and the HTML page;
 * it is also stored in every result file (`report` key), so a run's files can be rebuilt from
 * the JSON alone.
 * @module
 */
import type { TargetCheck } from '../targets.ts';

/** How a number is written: fixed decimals, thousands separators, a sign, text before and after. */
export interface NumberFormat {
  /** Decimals (default 2). */
  digits?: number;
  /** `12,345.67` rather than `12345.67` (default false). */
  grouped?: boolean;
  /** `+` before positive numbers. */
  signed?: boolean;
  prefix?: string;
  suffix?: string;
}

/** A table cell: a number (written with its column's format), a text, or nothing. */
export type Cell = number | string | null;

/** A column: its printed header, the unit of its numbers, and how the text renderer lays it out. */
export interface Column {
  header: string;
  /** Unit of the column's numbers (`ms`, `req/s`, `x`, `%`, `gas`, `ETH`, `USD`, ...); none for labels. */
  unit?: string;
  /** Width in the printed table (a wider cell is kept whole). */
  width: number;
  align?: 'left' | 'right';
  format?: NumberFormat;
  /** Written for a null cell (default `-`). */
  missing?: string;
}

/** A table; an empty row prints as a blank line (a group separator) and is skipped elsewhere. */
export interface TableBlock {
  kind: 'table';
  /** Unique within the experiment: charts name their table by it. */
  id: string;
  columns: Column[];
  rows: Cell[][];
  /** Printed before every line (the seed's three spaces inside a numbered section). */
  indent?: string;
}

/** One `label: value unit` line, such as `Mean: 0.2020 ms`. */
export interface FigureLine {
  label: string;
  value: number | null;
  unit: string;
  format?: NumberFormat;
  /** Printed after the value and unit, e.g. `(1000 samples)`. */
  after?: string;
}

/** Figures printed one per line, `indent` first. */
export interface FiguresBlock {
  kind: 'figures';
  indent?: string;
  items: FigureLine[];
}

/** Prose: notes, caveats, the set-up; printed as given (an empty string is a blank line). */
export interface TextBlock {
  kind: 'text';
  lines: string[];
}

/** Target checks, printed in the one target format (see `targets.ts`). */
export interface TargetsBlock {
  kind: 'targets';
  checks: TargetCheck[];
}

export type Block = TableBlock | FiguresBlock | TextBlock | TargetsBlock;

/** A titled part of a report. */
export interface Section {
  title: string;
  /**
   * How the text renderer prints the title: `line` (the title alone on its line), `rule` (then a
   * line of 60 `=`), or `none` (the section's own blocks say it, or nothing should).
   */
  heading: 'line' | 'rule' | 'none';
  blocks: Block[];
}

/** A named figure of an experiment, for SUMMARY.txt, COMPARISON.txt and the page's summary. */
export interface Headline {
  /** Stable name other code looks the figure up by (e.g. `receipt_creation_mean_ms`). */
  key: string;
  label: string;
  value: number | null;
  unit: string;
  format?: NumberFormat;
  /** Printed after the value, e.g. `(mean)`. */
  after?: string;
  /** Figures of one group print together under the group's name (e.g. the speedup per batch size). */
  group?: string;
}

/** A chart: one x axis (labels or numbers) and one or more named series of numbers on it. */
export interface Chart {
  /** Unique within the experiment. */
  id: string;
  title: string;
  mark: 'bar' | 'line';
  /** `log` when the series span orders of magnitude. */
  scale?: 'linear' | 'log';
  x: { title: string; values: (string | number)[] };
  y: { title: string; unit: string };
  /** Each series has one value per x value; null where it was not measured. */
  series: { name: string; values: (number | null)[] }[];
}

/** Everything an experiment reports besides its reference-schema JSON keys. */
export interface Report {
  sections: Section[];
  headline: Headline[];
  /** Every target check of the experiment (also printed in some section). */
  targets: TargetCheck[];
  charts: Chart[];
  /** Text between two sections (default one newline). */
  separator?: string;
}

/** What a summarizer returns: the result file's experiment-specific keys, and the report. */
export interface ExperimentReport {
  /** Experiment-specific keys merged into the result file (reference schema). */
  json: Record<string, unknown>;
  report: Report;
}

/** Writes `value` with `format`. */
export function formatNumber(value: number, format: NumberFormat = {}): string {
  const digits = format.digits ?? 2;
  const body = format.grouped
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : value.toFixed(digits);
  const sign = format.signed && value >= 0 ? '+' : '';
  return `${format.prefix ?? ''}${sign}${body}${format.suffix ?? ''}`;
}

/** A text block of `lines`. */
export const text = (...lines: string[]): TextBlock => ({ kind: 'text', lines });

/** The headline figure `key` of a report, or undefined. */
export function headlineValue(report: Pick<Report, 'headline'> | undefined, key: string): number | undefined {
  const value = report?.headline.find((figure) => figure.key === key)?.value;
  return value === null || value === undefined ? undefined : value;
}
