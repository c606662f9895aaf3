/**
 * The on-chain experiment's summary: its result keys (reference schema) and its report, whose
 * sections are the seed's three tables, where the time goes, gas per operation, the annual cost
 * projection, the targets and what a running tracker exposes.
 * @module
 */
import { type Cell, type Column, type ExperimentReport, type NumberFormat, type Section, formatNumber, text } from '../../report/model.ts';
import type { Summary } from '../../stats.ts';
import type { TargetCheck } from '../../targets.ts';
import type { Summarizer } from '../types.ts';
import { onchainCharts, onchainHeadline } from './headline.ts';
import { type PhaseMedians, isObject } from './records.ts';
import { type OnchainResults, type OperationResult, onchainResults } from './results.ts';
import { checkTargets } from './targets.ts';

const INDENT = '   ';
const MS: NumberFormat = { digits: 2 };
const INT: NumberFormat = { digits: 0, grouped: true };
const ETH: NumberFormat = { digits: 4, grouped: true };
const USD: NumberFormat = { digits: 2, grouped: true, prefix: '$' };

/** What the latencies include, given the node's automine setting. */
function caveatOf(automine: boolean | null | undefined): string {
  return automine === false
    ? 'CAVEAT: automine is off on this node, so latencies include its block interval.'
    : 'CAVEAT: a local Anvil with automine mines each transaction as it arrives: latencies are the client, RPC and ' +
        'EVM execution only and exclude block time (a real network adds about 12 s per block on Ethereum L1, 2 s on ' +
        'typical L2s, plus confirmation policy). Gas figures are what any EVM chain charges.';
}

function setupSection({ config }: OnchainResults, caveat: string): Section {
  const automine = config?.chain.automine;
  const chainLine = config
    ? `Chain: ${config.chain.client_version ?? 'unknown node'} (chain id ${config.chain.chain_id}) at ${config.chain.rpc_url}, ` +
      `${config.chain.auto_started ? 'started by the fixture' : 'existing node (--no-auto-start)'}, ` +
      `automine ${automine === null ? 'unknown' : automine ? 'on' : 'OFF'}`
    : 'Chain: not recorded';
  const lines = [chainLine, caveat];
  if (config) {
    lines.push(
      `Users are registered with a non-zero initial upload credit (${config.initial_credit} bytes, the tracker's ` +
        'default), as the tracker does: the first update of an all-zero record would cost about 28k gas instead of 11k.',
    );
  }
  return { title: 'ON-CHAIN RESULTS', heading: 'rule', blocks: [text(...lines), text('')] };
}

/** A numbered operation: its latency figures and gas; `baseline` lines follow in the same block. */
function operationSection(title: string, result: OperationResult, baseline: string[] = []): Section {
  return {
    title,
    heading: 'line',
    blocks: [
      {
        kind: 'figures',
        indent: INDENT,
        items: [
          { label: 'Mean', value: result.mean_ms, unit: 'ms', format: MS },
          { label: 'Median', value: result.median_ms, unit: 'ms', format: MS },
        ],
      },
      text(
        `${INDENT}p95 / p99: ${formatNumber(result.p95_ms, MS)} / ${formatNumber(result.p99_ms, MS)} ms ` +
          `(${result.samples} transactions)`,
      ),
      { kind: 'figures', indent: INDENT, items: [{ label: 'Avg gas', value: result.avg_gas, unit: '', format: INT }] },
      ...(baseline.length > 0 ? [text(...baseline)] : []),
      text(''),
    ],
  };
}

/** The store write beside the on-chain update, when it was measured. */
function baselineLines(storeWrite: Summary | undefined): string[] {
  if (!storeWrite) return [];
  const format = { digits: 4 };
  return [
    `${INDENT}Baseline: the same credit as one SQLite commit in the tracker's store: ` +
      `Mean ${formatNumber(storeWrite.mean_ms, format)} ms, Median ${formatNumber(storeWrite.median_ms, format)} ms`,
  ];
}

function batchSection({ batches }: OnchainResults): Section {
  const columns: Column[] = [
    { header: 'Batch Size', width: 12, format: { digits: 0 } },
    { header: 'Total (ms)', unit: 'ms', width: 12, align: 'right', format: MS },
    { header: 'Avg/Update (ms)', unit: 'ms', width: 16, align: 'right', format: { digits: 4 } },
    { header: 'Throughput (updates/s)', unit: 'updates/s', width: 23, align: 'right', format: INT },
    { header: 'Gas/entry', unit: 'gas', width: 10, align: 'right', format: INT },
  ];
  const rows = batches.map((b) => [b.batch_size, b.total_ms, b.avg_per_update_ms, b.throughput_updates_per_sec, b.gas_per_entry]);
  return {
    title: '3. Batch Updates (mean per transaction):',
    heading: 'line',
    blocks: [{ kind: 'table', id: 'batches', columns, rows, indent: INDENT }, text('')],
  };
}

/** Median phase times of every series that recorded them; undefined when none did. */
function phaseSection(results: OnchainResults): Section | undefined {
  const { registration, update, migrate } = results;
  const series: [string, PhaseMedians | null | undefined, number | undefined][] = [
    ['user registration', registration?.phases_median, registration?.median_ms],
    ['reputation update', update?.phases_median, update?.median_ms],
    ...results.batches.map(
      (b): [string, PhaseMedians | null, number] => [`batch update ${b.batch_size}`, b.phases_median, b.median_total_ms],
    ),
    ['migrate user', migrate?.phases_median, migrate?.median_ms],
  ];
  const rows: Cell[][] = series.flatMap(([label, p, total]) =>
    p && total !== undefined ? [[label, p.prepare_ms, p.sign_ms, p.send_ms, p.receipt_ms, total]] : [],
  );
  if (rows.length === 0) return undefined;
  const column = (header: string, width: number): Column => ({ header, unit: 'ms', width, align: 'right', format: MS });
  return {
    title: 'WHERE THE TIME GOES (median ms per transaction)',
    heading: 'line',
    blocks: [
      {
        kind: 'table',
        id: 'phases',
        columns: [
          { header: 'Operation', width: 20 },
          column('Prepare', 8),
          column('Sign', 6),
          column('Send', 6),
          column('Receipt', 8),
          column('Total', 7),
        ],
        rows,
        indent: INDENT,
      },
      text(
        `${INDENT}Prepare: ABI encoding and one eth_fillTransaction (gas estimate, which executes the transaction and grows ` +
          'with the batch, nonce and fees); Sign: RLP, keccak and secp256k1 in-process; Send: ' +
          'eth_sendRawTransactionSync (EIP-7966), during which automine executes and mines it and which returns the ' +
          'receipt; Receipt: polling eth_getTransactionReceipt, only on a node without that method (else 0). Same ' +
          "requests as the tracker's chain sync (one Transactor for both).",
      ),
      text(''),
    ],
  };
}

function gasSection({ gas, projectionBatch, firstBatch, marginal }: OnchainResults): Section {
  const perEntry = gas.batch_update_per_entry;
  const rows = [
    ['createReputation (factory)', gas.create_reputation.gas_used, gas.create_reputation.latency_ms],
    ['add user (1 registration)', gas.add_user.gas_used, gas.add_user.latency_ms],
    ['update user (1 update)', gas.update_user.gas_used, gas.update_user.latency_ms],
    ['migrate user', gas.migrate_user.gas_used, gas.migrate_user.latency_ms],
    [`batched update, per entry (${perEntry.batch_size ?? '-'}/tx)`, perEntry.gas_used, null],
  ];
  const marginalLine = marginal !== null && {
    kind: 'figures' as const,
    indent: INDENT,
    items: [
      {
        label: `Marginal gas per batched entry (between batches of ${firstBatch!.batch_size} and ${projectionBatch!.batch_size})`,
        value: marginal,
        unit: '',
        format: INT,
      },
    ],
  };
  return {
    title: 'GAS PER OPERATION',
    heading: 'line',
    blocks: [
      {
        kind: 'table',
        id: 'gas',
        columns: [
          { header: 'Operation', width: 36 },
          { header: 'Gas', unit: 'gas', width: 10, align: 'right', format: INT },
          { header: 'Latency (ms)', unit: 'ms', width: 13, align: 'right', format: MS, missing: '' },
        ],
        rows,
        indent: INDENT,
      },
      ...(marginalLine ? [marginalLine] : []),
      text(''),
    ],
  };
}

/** The projection table; undefined when no batch recorded its gas. */
function costSection({ projections, projectionBatch, unbatchedGas, gasPriceGwei, ethUsd }: OnchainResults): Section | undefined {
  if (projections.length === 0 || !projectionBatch) return undefined;
  const unbatched = unbatchedGas === null ? 'not measured' : `${formatNumber(unbatchedGas, INT)} gas per single-update tx`;
  const money = (header: string, unit: 'ETH' | 'USD', width: number): Column => ({
    header,
    unit,
    width,
    align: 'right',
    format: unit === 'ETH' ? ETH : USD,
  });
  return {
    title:
      `ANNUAL COST PROJECTION (gas price ${gasPriceGwei} gwei, ETH ${formatNumber(ethUsd, USD)}; batched: ` +
      `${formatNumber(projectionBatch.gas_per_entry!, INT)} gas per update entry in batches of ${projectionBatch.batch_size}; ` +
      `unbatched: ${unbatched})`,
    heading: 'line',
    blocks: [
      {
        kind: 'table',
        id: 'annual-cost',
        columns: [
          { header: 'Frequency', width: 25, align: 'right' },
          { header: 'Users', unit: 'users', width: 8, align: 'right', format: INT },
          { header: 'Updates/yr', unit: 'updates', width: 14, align: 'right', format: INT },
          money('ETH', 'ETH', 14),
          money('USD', 'USD', 16),
          money('ETH unbatched', 'ETH', 14),
          money('USD unbatched', 'USD', 16),
        ],
        rows: projections.map((p) => [
          p.frequency,
          p.users,
          p.updates_per_year,
          p.estimated_eth,
          p.estimated_usd,
          p.unbatched_estimated_eth,
          p.unbatched_estimated_usd,
        ]),
        indent: INDENT,
      },
      text(''),
    ],
  };
}

/** What a running tracker exposes, when `--tracker-url` was given or the bench recorded it. */
function trackerSection({ tracker }: OnchainResults): Section | undefined {
  if (!tracker) return undefined;
  const where = tracker.tracker_url ? ` (tracker ${tracker.tracker_url}, ${tracker.reachable ? 'reachable' : 'NOT reachable'})` : '';
  const lines = [
    tracker.measured
      ? `TRACKER-MEDIATED: measured through ${tracker.tracker_url}.`
      : `TRACKER-MEDIATED: not measured${where}: ${tracker.reason}`,
  ];
  if (isObject(tracker.chain_status)) {
    const status = tracker.chain_status;
    lines.push(
      `   Its chain status: enabled ${String(status.enabled)}, contract ${String(status.contract ?? 'none')}, ` +
        `last confirmed batch ${String(status.last_confirmed_sequence)}, pending entries ${String(status.pending_entries)}.`,
    );
  }
  return { title: 'TRACKER-MEDIATED', heading: 'none', blocks: [text(...lines)] };
}

function sections(results: OnchainResults, caveat: string, targets: TargetCheck[]): Section[] {
  const { registration, update, storeWrite } = results;
  const baseline = baselineLines(storeWrite);
  const out: (Section | undefined)[] = [
    setupSection(results, caveat),
    registration && operationSection('1. User Registration (one registration per tx):', registration),
    update
      ? operationSection('2. Reputation Updates (one update per tx):', update, baseline)
      : storeWrite && { title: 'Baseline', heading: 'none', blocks: [text(...baseline), text('')] },
    results.batches.length > 0 ? batchSection(results) : undefined,
    phaseSection(results),
    gasSection(results),
    costSection(results),
    { title: 'TARGETS', heading: 'line', blocks: [{ kind: 'targets', checks: targets }, text('')] },
    trackerSection(results),
  ];
  return out.filter((section): section is Section => section !== undefined);
}

/** The on-chain experiment's result keys and report from its benchmarks and recorded gas, chain and tracker figures. */
export const summarizeOnchain: Summarizer = (benchmarks, extras): ExperimentReport => {
  const results = onchainResults(benchmarks, extras);
  const caveat = caveatOf(results.config?.chain.automine);
  const targets = checkTargets(results.update, results.batches);
  return {
    json: {
      config: results.config ?? null,
      caveat,
      user_registration: results.registration ?? null,
      reputation_update: results.update ?? null,
      store_write: results.storeWrite ?? null,
      batch_updates: Object.fromEntries(results.batches.map((b) => [String(b.batch_size), b])),
      gas: results.gas,
      annual_cost_projections: results.projections,
      targets,
      tracker_mediated: results.tracker ?? null,
    },
    report: {
      sections: sections(results, caveat, targets),
      headline: onchainHeadline(results),
      targets,
      charts: onchainCharts(results),
    },
  };
};
