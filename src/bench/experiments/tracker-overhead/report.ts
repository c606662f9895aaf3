/**
 * The tracker-overhead experiment's sections: the set-up, the seed's COMPONENT OVERHEAD BREAKDOWN
 * table, each component's latency distribution, receipt batching, the on-chain confirmation
 * series, the seed's KEY INSIGHTS, what was not measured, and the targets.
 * @module
 */
import { type Cell, type Column, type NumberFormat, type Section, formatNumber, text } from '../../report/model.ts';
import type { TargetCheck } from '../../targets.ts';
import { COMPONENTS } from './components.ts';
import type { TrackerSetup } from './records.ts';
import type { TrackerOverheadResults } from './results.ts';

const RULE = '-'.repeat(80);
const MS3: NumberFormat = { digits: 3 };
const MS: NumberFormat = { digits: 2 };
const ms = (value: number, digits = 3) => `${formatNumber(value, { digits })} ms`;

function trackerLine(name: string, t: TrackerSetup | null | undefined, missing: string): string {
  if (!t) return `${name}: ${missing}`;
  const chain = t.chain
    ? `chain ${t.chain.mode} (${t.chain.rpc_url}, contract ${t.chain.contract ?? 'none'}, --chain-batch-ms ${t.chain.batch_ms ?? 'unknown'})`
    : 'no chain';
  return `${name}: ${t.url}, private mode, ${chain}, TEE ${t.tee}${t.verify_workers === null ? '' : `, ${t.verify_workers} verify workers`}`;
}

function setupSection({ config }: TrackerOverheadResults): Section {
  const lines = config
    ? [
        trackerLine('Tracker (everything on)', config.main, 'not recorded'),
        trackerLine('Tracker (prompt batches)', config.prompt, 'not run (needs the bench\'s own trackers)'),
        trackerLine('Tracker (chain and TEE off)', config.plain, 'not run (needs the bench\'s own trackers)'),
        `Client: ${config.client.tool}, ${config.client.process}; registrations through ${config.client.registration}.`,
        `${config.iterations} timed requests per component after ${config.warmup} untimed ones, every answer checked ` +
          `(a refusal fails the run); ${config.confirmations} on-chain confirmations per series; ${config.users} users; ` +
          `every report's receipts fresh (never verified, never spent), signed before the run.`,
      ]
    : ['Set-up: not recorded'];
  return { title: 'TRACKER OVERHEAD', heading: 'rule', blocks: [text(...lines), text('')] };
}

function breakdownSection(results: TrackerOverheadResults): Section {
  const columns: Column[] = [
    { header: 'Component', width: 45 },
    // The seed's value columns (ending at 59, 75 and 90).
    { header: 'Mean (ms)', unit: 'ms', width: 13, align: 'right', format: MS3 },
    { header: 'Overhead (ms)', unit: 'ms', width: 15, align: 'right', format: MS3 },
    { header: 'Overhead (%)', unit: '%', width: 14, align: 'right', format: { digits: 1, suffix: '%' } },
  ];
  const rows: Cell[][] = results.components.map((c) => [
    c.component_name,
    c.mean_ms,
    c.overhead_vs_baseline_ms,
    c.overhead_vs_baseline_percent,
  ]);
  return {
    title: 'COMPONENT OVERHEAD BREAKDOWN:',
    heading: 'line',
    blocks: [text(RULE), { kind: 'table', id: 'breakdown', columns, rows }, text(RULE, '')],
  };
}

function distributionSection(results: TrackerOverheadResults): Section {
  const column = (header: string, width: number): Column => ({ header, unit: 'ms', width, align: 'right', format: MS3 });
  const rows: Cell[][] = results.components.map((c) => [
    c.component_name,
    c.median_ms,
    c.stdev_ms,
    c.min_ms,
    c.max_ms,
    c.p95_ms,
    c.p99_ms,
    c.samples,
  ]);
  return {
    title: 'LATENCY PER REQUEST (ms)',
    heading: 'line',
    blocks: [
      {
        kind: 'table',
        id: 'distribution',
        columns: [
          { header: 'Component', width: 45 },
          column('Median', 9),
          column('Stdev', 8),
          column('Min', 8),
          column('Max', 9),
          column('p95', 9),
          column('p99', 9),
          { header: 'Samples', width: 7, align: 'right', format: { digits: 0 } },
        ],
        rows,
      },
      text(
        ...COMPONENTS.filter((spec) => results.components.some((c) => c.key === spec.key)).map(
          (spec) => `  ${spec.label}: ${spec.sample}`,
        ),
        '',
      ),
    ],
  };
}

function batchingSection(results: TrackerOverheadResults): Section | undefined {
  if (results.batching.length === 0) return undefined;
  const marginal = results.marginal_per_receipt_ms;
  return {
    title: 'RECEIPT VERIFICATION BATCHING (one report at a time)',
    heading: 'line',
    blocks: [
      {
        kind: 'table',
        id: 'batching',
        columns: [
          { header: 'Receipts', width: 8, align: 'right', format: { digits: 0 } },
          { header: 'Report (ms)', unit: 'ms', width: 12, align: 'right', format: MS3 },
          { header: 'Per receipt (ms)', unit: 'ms', width: 17, align: 'right', format: { digits: 4 } },
          { header: 'Receipts/s', unit: 'receipts/s', width: 11, align: 'right', format: { digits: 0, grouped: true } },
          { header: 'Efficiency', unit: 'x', width: 11, align: 'right', format: { digits: 2, suffix: 'x' } },
        ],
        rows: results.batching.map((b) => [b.receipts, b.mean_ms, b.per_receipt_ms, b.receipts_per_s, b.efficiency_vs_single]),
      },
      text(
        'Efficiency: the 1-receipt report\'s mean over the per-receipt mean at this size (the seed\'s "speedup with batching").',
        ...(marginal === null ? [] : [`Marginal cost of one more receipt in a report: ${ms(marginal, 4)} (slope from 1 to the largest report).`]),
        '',
      ),
    ],
  };
}

function confirmationSection(results: TrackerOverheadResults): Section | undefined {
  if (results.confirmations.length === 0) return undefined;
  const rows: Cell[][] = results.confirmations.map((c) => [
    c.label,
    c.batch_ms,
    c.request?.median_ms ?? null,
    c.confirm.median_ms,
    c.confirm.mean_ms,
    c.confirm.p95_ms,
    c.confirm.max_ms,
    c.confirm.samples,
  ]);
  return {
    title: 'ON-CHAIN CONFIRMATION (request answered -> BatchApplied seen)',
    heading: 'line',
    blocks: [
      {
        kind: 'table',
        id: 'confirmation',
        columns: [
          { header: 'Operation', width: 22 },
          { header: 'Batch ms', unit: 'ms', width: 8, align: 'right', format: { digits: 0 } },
          { header: 'Request (ms)', unit: 'ms', width: 12, align: 'right', format: MS3 },
          { header: 'On chain (ms)', unit: 'ms', width: 13, align: 'right', format: MS },
          { header: 'Mean (ms)', unit: 'ms', width: 10, align: 'right', format: MS },
          { header: 'p95 (ms)', unit: 'ms', width: 9, align: 'right', format: MS },
          { header: 'Max (ms)', unit: 'ms', width: 9, align: 'right', format: MS },
          { header: 'Samples', width: 7, align: 'right', format: { digits: 0 } },
        ],
        rows,
      },
      text(
        'Request: the median answer time (it never waits for the chain); On chain: median from that answer until the',
        "bench saw the BatchApplied event of the transaction that holds the user's event (polled every 2 ms on the",
        "tracker's Anvil, automine: no block time). Each request is sent alone, after the previous one is on chain.",
        '',
      ),
    ],
  };
}

function insightsSection(results: TrackerOverheadResults): Section {
  const lines: string[] = [];
  const top = results.components
    .filter((c) => c.key !== 'baseline' && c.overhead_vs_baseline_ms !== null)
    .sort((a, b) => b.overhead_vs_baseline_ms! - a.overhead_vs_baseline_ms!)
    .slice(0, 5);
  if (top.length > 0) {
    lines.push('Top overhead contributors:');
    top.forEach((c, i) => {
      const pct = c.overhead_vs_baseline_percent === null ? '' : ` (${formatNumber(c.overhead_vs_baseline_percent, { digits: 1 })}%)`;
      lines.push(`  ${i + 1}. ${c.component_name}`, `     Overhead: ${formatNumber(c.overhead_vs_baseline_ms!, { digits: 3, signed: true })} ms${pct}`);
    });
    lines.push('');
  }
  const single = results.batching.find((b) => b.receipts === 1);
  const largest = results.batching.at(-1);
  if (single && largest && largest.receipts > 1) {
    lines.push(
      'Receipt verification efficiency:',
      `  Individual verification: ${ms(single.per_receipt_ms)}/receipt`,
      `  Batch verification (${largest.receipts}): ${ms(largest.per_receipt_ms)}/receipt`,
      `  Speedup with batching: ${formatNumber(largest.efficiency_vs_single!, { digits: 2 })}x`,
      '',
    );
  }
  const byKey = new Map(results.components.map((c) => [c.key, c]));
  const register = byKey.get('onchain_register');
  const update = byKey.get('onchain_update');
  const pct = (c: { overhead_vs_baseline_percent: number | null }) =>
    c.overhead_vs_baseline_percent === null ? '' : ` (${formatNumber(c.overhead_vs_baseline_percent, { digits: 1 })}% overhead)`;
  if (register || update || results.confirmations.length > 0) {
    lines.push('On-chain operations:');
    if (register) lines.push(`  Registration: ${ms(register.mean_ms)}${pct(register)} to answer`);
    if (update) lines.push(`  Update (10-receipt report): ${ms(update.mean_ms)}${pct(update)} to answer`);
    for (const c of results.confirmations) {
      lines.push(`  ${c.label} on chain after ${ms(c.confirm.median_ms, 1)} (median, --chain-batch-ms ${c.batch_ms})`);
    }
    lines.push('');
  }
  if (results.combined) {
    const { on_median_ms, off_median_ms, ratio } = results.combined;
    lines.push(
      'Combined (10-receipt report):',
      `  Chain and TEE on: ${ms(on_median_ms)} median; both off: ${ms(off_median_ms)} median; ratio ${formatNumber(ratio, { digits: 2 })}x`,
      '',
    );
  }
  if (lines.length === 0) lines.push('Nothing measured.', '');
  return { title: 'KEY INSIGHTS', heading: 'line', blocks: [text('', ...lines)] };
}

function notMeasuredSection(results: TrackerOverheadResults): Section | undefined {
  if (results.notMeasured.length === 0) return undefined;
  return {
    title: 'NOT MEASURED HERE',
    heading: 'line',
    blocks: [text(...results.notMeasured.map((n) => `  - ${n.what}: ${n.why}`), '')],
  };
}

/** Every section of the report, in print order. */
export function trackerOverheadSections(results: TrackerOverheadResults, targets: TargetCheck[]): Section[] {
  const sections: (Section | undefined)[] = [
    setupSection(results),
    breakdownSection(results),
    distributionSection(results),
    batchingSection(results),
    confirmationSection(results),
    insightsSection(results),
    notMeasuredSection(results),
    { title: 'TARGETS', heading: 'line', blocks: [{ kind: 'targets', checks: targets }] },
  ];
  return sections.filter((s): s is Section => s !== undefined);
}
