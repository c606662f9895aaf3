/**
 * The receipts experiment's summary: the reference-schema result keys (the default backend's
 * figures at the top level, every backend under `backends`) and its report: the seed's sections
 * per backend, the backend comparison and the targets.
 * @module
 */
import { type Block, type Column, type ExperimentReport, type NumberFormat, type Section, formatNumber, text } from '../../report/model.ts';
import type { Summary } from '../../stats.ts';
import { receiptsCharts, receiptsHeadline } from './headline.ts';
import { type BackendResult, PIECE_HASH_BENCH, SINGLE_OPS, byBackend, ratios } from './results.ts';
import { checkTargets } from './targets.ts';

const INDENT = '   ';
const MS: NumberFormat = { digits: 4 };
const ms = (value: number) => formatNumber(value, MS);
const BATCH: Column = { header: 'Batch Size', width: 12, format: { digits: 0 } };

/** A numbered single-receipt operation: its figures, then a blank line. */
function operationBlocks(number: number, title: string, s: Summary): Block[] {
  return [
    text(`${number}. ${title}:`),
    {
      kind: 'figures',
      indent: INDENT,
      items: [
        { label: 'Mean', value: s.mean_ms, unit: 'ms', format: MS },
        { label: 'Median', value: s.median_ms, unit: 'ms', format: MS },
        { label: 'Std Dev', value: s.stdev_ms, unit: 'ms', format: MS },
      ],
    },
    text(
      `${INDENT}Range: ${ms(s.min_ms)} - ${ms(s.max_ms)} ms`,
      `${INDENT}p95 / p99: ${ms(s.p95_ms)} / ${ms(s.p99_ms)} ms (${s.samples} samples)`,
      '',
    ),
  ];
}

function aggregateBlocks(backend: string, result: BackendResult): Block[] {
  const blocks: Block[] = [];
  const creation = Object.entries(result.aggregate_creation);
  if (creation.length > 0) {
    blocks.push(
      text('4. Aggregate Signature Creation:'),
      {
        kind: 'table',
        id: `aggregate-creation-${backend}`,
        indent: INDENT,
        columns: [
          BATCH,
          { header: 'Mean (ms)', unit: 'ms', width: 15, format: MS },
          { header: 'Median (ms)', unit: 'ms', width: 15, format: MS },
        ],
        rows: creation.map(([size, s]) => [Number(size), s.mean_ms, s.median_ms]),
      },
      text(''),
    );
  }
  const verification = Object.entries(result.aggregate_verification);
  if (verification.length > 0) {
    blocks.push(
      text('5. Aggregate Signature Verification:'),
      {
        kind: 'table',
        id: `aggregate-verification-${backend}`,
        indent: INDENT,
        columns: [
          BATCH,
          { header: 'Aggregate (ms)', unit: 'ms', width: 15, format: MS },
          { header: 'Individual (ms)', unit: 'ms', width: 16, format: MS },
          { header: 'Speedup', unit: 'x', width: 10, format: { digits: 2, suffix: 'x' } },
        ],
        rows: verification.map(([size, v]) => [Number(size), v.aggregate_mean_ms, v.individual_mean_ms, v.speedup]),
      },
      text(''),
    );
  }
  return blocks;
}

/** What the figures mean per receipt; `pieceHash` (blst only) sets them beside a plain client's piece check. */
function interpretation(result: BackendResult, pieceHash: Summary | undefined): Block {
  const lines = ['INTERPRETATION'];
  if (result.receipt_creation) lines.push(`${INDENT}Creating a receipt costs ${ms(result.receipt_creation.median_ms)} ms (median).`);
  if (result.receipt_verification) lines.push(`${INDENT}Verifying a receipt costs ${ms(result.receipt_verification.median_ms)} ms (median).`);
  const largest = Object.entries(result.aggregate_verification).at(-1);
  if (largest) {
    const [size, v] = largest;
    const b = Number(size);
    lines.push(
      `${INDENT}For ${size} receipts: aggregate ${ms(v.aggregate_mean_ms / b)} ms per receipt ` +
        `vs individual ${ms(v.individual_mean_ms / b)} ms per receipt (${v.speedup.toFixed(2)}x).`,
    );
  }
  if (pieceHash) lines.push(`${INDENT}A plain client's piece check (SHA-1 of 256 KiB) costs ${ms(pieceHash.median_ms)} ms (median).`);
  return text(...lines);
}

function backendSection(name: string, result: BackendResult, pieceHash: Summary | undefined): Section {
  const operations = SINGLE_OPS.flatMap(([key, , title], i) => {
    const s = result[key];
    return s ? operationBlocks(i + 1, title, s) : [];
  });
  return {
    title: `RESULTS SUMMARY [${name}]`,
    heading: 'rule',
    blocks: [...operations, ...aggregateBlocks(name, result), interpretation(result, name === 'blst' ? pieceHash : undefined)],
  };
}

function comparisonSection(comparison: Record<string, number>): Section {
  return {
    title: 'BACKEND COMPARISON (median noble / median blst)',
    heading: 'line',
    blocks: [
      text(''),
      {
        kind: 'table',
        id: 'backend-comparison',
        indent: INDENT,
        columns: [
          { header: 'Operation', width: 30 },
          { header: 'noble/blst', unit: 'x', width: 12, align: 'right', format: { digits: 1, suffix: 'x' } },
        ],
        rows: Object.entries(comparison),
      },
    ],
  };
}

/** The receipts experiment's summary; the top-level schema is the default backend's (blst). */
export function summarizeReceipts(benchmarks: ReadonlyMap<string, Summary>): ExperimentReport {
  const backends = byBackend(benchmarks);
  const primaryName = backends.has('blst') ? 'blst' : [...backends.keys()][0];
  const primary = primaryName === undefined ? undefined : backends.get(primaryName);
  const pieceHash = benchmarks.get(PIECE_HASH_BENCH);
  const blst = backends.get('blst');
  const noble = backends.get('noble');
  const sections = [...backends].map(([name, result]) => backendSection(name, result, pieceHash));
  const json: Record<string, unknown> = { backend: primaryName ?? null, ...primary, backends: Object.fromEntries(backends) };
  if (noble && blst) {
    const comparison = ratios(blst, noble);
    json.noble_vs_blst = comparison;
    sections.push(comparisonSection(comparison));
  }
  const targets = checkTargets(blst);
  sections.push({ title: 'TARGETS', heading: 'line', blocks: [{ kind: 'targets', checks: targets }] });
  if (pieceHash) json.piece_hash = pieceHash;
  json.targets = targets;
  return {
    json,
    report: {
      sections,
      headline: receiptsHeadline(blst, noble, pieceHash),
      targets,
      charts: receiptsCharts(backends),
      separator: '\n\n',
    },
  };
}
