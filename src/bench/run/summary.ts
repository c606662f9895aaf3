/**
 * SUMMARY.txt: the seed's layout (header, timestamp, total time, one numbered section per
 * experiment with its headline figures) plus the machine and every target; a failed or skipped
 * experiment says so in its section, with the reason.
 * @module
 */
import { type Headline, formatNumber } from '../report/model.ts';
import { targetLine } from '../targets.ts';
import type { RunEntry, RunReport } from './run.ts';

const WIDE = '='.repeat(80);
const THIN = '-'.repeat(80);

/** `YYYY-MM-DD HH:MM:SS` (UTC), the seed's timestamp. */
export function timestamp(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') + ' UTC';
}

function value(figure: Headline): string {
  if (figure.value === null) return 'not measured';
  const unit = figure.unit === 'x' ? 'x' : figure.unit ? ` ${figure.unit}` : '';
  return `${formatNumber(figure.value, figure.format)}${unit}${figure.after ? ` ${figure.after}` : ''}`;
}

/** Headline figures: ungrouped ones as `Label:` padded to 26 columns, groups under their name. */
export function headlineLines(figures: readonly Headline[]): string[] {
  const lines: string[] = [];
  const printed = new Set<string>();
  for (const figure of figures) {
    if (figure.group === undefined) {
      // The seed's column 27, pushed right by a longer label rather than run into it.
      const label = `${figure.label}:`;
      lines.push(`${label.length < 26 ? label.padEnd(26) : `${label} `}${value(figure)}`);
      continue;
    }
    if (printed.has(figure.group)) continue;
    printed.add(figure.group);
    const members = figures.filter((f) => f.group === figure.group);
    const width = Math.max(...members.map((f) => f.label.length));
    lines.push('', `${figure.group}:`, ...members.map((f) => `  ${f.label.padStart(width)}: ${value(f)}`), '');
  }
  // A group at the end leaves a trailing blank line; sections add their own spacing.
  while (lines.at(-1) === '') lines.pop();
  return lines;
}

function entryLines(entry: RunEntry, index: number): string[] {
  const lines = [THIN, `${index}. ${entry.title}`, THIN, ''];
  if (entry.status === 'skipped') return [...lines, `SKIPPED: ${entry.reason ?? 'not run'}`, ''];
  if (entry.status === 'failed') lines.push(`FAILED: ${entry.reason ?? 'unknown reason'}`, '');
  if (!entry.report) return lines;
  lines.push(...headlineLines(entry.report.headline), '');
  if (entry.report.targets.length > 0) lines.push('Targets:', ...entry.report.targets.map(targetLine), '');
  return lines;
}

/** The text of SUMMARY.txt. */
export function summaryText(run: Omit<RunReport, 'summaryText' | 'comparisonText'>): string {
  const m = run.machine;
  const failed = run.experiments.filter((e) => e.status === 'failed').map((e) => e.name);
  const lines = [
    WIDE,
    `${' '.repeat(25)}PBTS EXPERIMENT SUMMARY`,
    WIDE,
    '',
    `Timestamp: ${timestamp(run.started)}`,
    `Total time: ${run.total_time_s.toFixed(2)} seconds`,
    `Run: ${run.quick ? 'quick (smoke run: figures are indicative only)' : 'full'}; ` +
      (failed.length > 0 ? `FAILED: ${failed.join(', ')}` : 'no experiment failed'),
    `Machine: ${m.cpu_model}, ${m.cores} cores, ${m.total_memory_gib} GiB, ${m.platform}-${m.arch}, Node ${m.node_version}, ` +
      `commit ${m.git_commit ?? 'none'}, profile ${m.profile}`,
    '',
  ];
  run.experiments.forEach((entry, i) => lines.push(...entryLines(entry, i + 1)));
  return `${lines.join('\n').trimEnd()}\n`;
}
