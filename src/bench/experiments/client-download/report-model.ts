/**
 * The seed's model in the client-download report: the receipt work measured here, the seed's
 * OVERHEAD SUMMARY TABLE (sequential, with the overlapped model beside it) and KEY INSIGHTS.
 * @module
 */
import { type Column, type NumberFormat, type Section, formatNumber, text } from '../../report/model.ts';
import { HASHES_PER_PIECE, type ModelScenario } from './model.ts';
import { percent } from './report-format.ts';
import type { ClientDownloadResults } from './results.ts';

const INDENT = '  ';
const MS: NumberFormat = { digits: 4 };
const speedText = (mbps: number) => String(mbps);

/** The receipt work measured (signing, verification, piece hashes) that the model is built from. */
export function measuredSection({ config, sign, verify, hashes }: ClientDownloadResults): Section {
  const iterations = config ? `mean of ${config.measure_iterations} after ${config.warmup_iterations} warm-up calls` : 'mean';
  const lines: string[] = [];
  if (!sign || !verify) lines.push('Receipt signing or verification was not measured in this run: no model.');
  const hashLine =
    hashes.size === 0
      ? []
      : [
          `${INDENT}SHA-256 of one piece (the receipt names the piece by it; both peers hash it): ` +
            [...hashes.entries()]
              .sort(([a], [b]) => a - b)
              .map(([kb, s]) => `${kb} KB ${formatNumber(s.mean_ms, { digits: 3 })} ms`)
              .join(', '),
        ];
  return {
    title: 'CLIENT DOWNLOAD SIMULATION',
    heading: 'rule',
    blocks: [
      text(`Receipt work measured here (blst, one core, ${iterations}):`),
      {
        kind: 'figures',
        indent: INDENT,
        items: [
          { label: 'Receipt signing (downloader, per piece)', value: sign?.mean_ms ?? null, unit: 'ms', format: MS },
          { label: 'Receipt verification (uploader, per piece)', value: verify?.mean_ms ?? null, unit: 'ms', format: MS },
        ],
      },
      text(
        ...hashLine,
        ...lines,
        `File: ${config?.file_size_mb ?? 100} MB; one receipt per piece (batch 1). The authors' script defaulted to one receipt`,
        'per 10 pieces (--batch-size 10), which understated the receipts, and so the overhead, 10x.',
        'Units: KB = 2^10 bytes, MB = 2^20 bytes, GB = 2^30 bytes; 1 MB/s = 2^20 bytes/s, in the model and on the wire.',
        '',
      ),
    ],
  };
}

/** The seed's OVERHEAD SUMMARY TABLE, one row per speed x piece size, with the overlapped model's column added. */
export function summaryTable({ scenarios }: ClientDownloadResults): Section {
  const column = (header: string, width: number, digits: number, unit?: string): Column => ({
    header,
    width,
    align: 'right',
    format: { digits },
    ...(unit && { unit }),
  });
  return {
    title: 'OVERHEAD SUMMARY TABLE',
    heading: 'line',
    blocks: [
      text(''),
      {
        kind: 'table',
        id: 'overhead-summary',
        columns: [
          column('Speed (MB/s)', 12, 1, 'MB/s'),
          column('Piece Size (KB)', 15, 0, 'KB'),
          column('Pieces', 7, 0),
          column('Receipt Time (ms)', 17, 3, 'ms'),
          column('Per-Piece OH (%)', 16, 2, '%'),
          column('Throughput Reduction (%)', 24, 2, '%'),
          column('Overlapped Reduction (%)', 24, 2, '%'),
        ],
        rows: scenarios.map((s) => [
          s.scenario.download_speed_mbps,
          s.scenario.piece_size_kb,
          s.scenario.num_pieces,
          s.receipt_time.per_piece_ms,
          s.overhead.total_overhead_percent,
          s.throughput.reduction_percent,
          s.overlapped.reduction_percent,
        ]),
      },
      text(
        '',
        `Receipt Time: per piece, signing + verification + the piece's SHA-256 at both peers (${HASHES_PER_PIECE} hashes).`,
        'Per-Piece OH: receipt time / the piece\'s transfer time (the seed\'s "receipt overhead of download time").',
        'Throughput Reduction (the seed\'s model, sequential): the receipt work is added to the download time, as if',
        'nothing moved while a peer signs or verifies. That is what a core already saturated by the transfer sees: an',
        'upper bound.',
        'Overlapped Reduction: each peer does its share (downloader: hash + sign; uploader: hash + verify) beside the',
        "transfer, in its own process, on an otherwise idle core: a piece takes the longer of its transfer and the",
        "busiest peer's share. The real transfers below should match this model, plus whatever the transfer's own CPU",
        'leaves of a core (their "Predicted" column).',
        '',
      ),
    ],
  };
}

function scenarioLines(s: ModelScenario): string[] {
  return [
    `${INDENT}${speedText(s.scenario.download_speed_mbps)} MB/s, ${s.scenario.piece_size_kb} KB pieces`,
    `${INDENT}Receipt overhead: ${percent(s.overhead.total_overhead_percent)} of download time`,
    `${INDENT}Throughput reduction: ${percent(s.throughput.reduction_percent)}`,
  ];
}

/** The seed's KEY INSIGHTS, or undefined when the model had no scenarios. */
export function insightsSection({ insights }: ClientDownloadResults): Section | undefined {
  if (!insights) return undefined;
  const worstOverlap = insights.worst_overlapped;
  return {
    title: 'KEY INSIGHTS',
    heading: 'line',
    blocks: [
      text(
        '',
        'Best case (lowest overhead):',
        ...scenarioLines(insights.best),
        '',
        'Worst case (highest overhead):',
        ...scenarioLines(insights.worst),
        '',
        'Average across all scenarios:',
        `${INDENT}Receipt overhead: ${percent(insights.average_overhead_percent)} of download time`,
        `${INDENT}Throughput reduction: ${percent(insights.average_reduction_percent)}`,
        `${INDENT}Overlapped throughput reduction: ${percent(insights.average_overlapped_reduction_percent)} ` +
          (worstOverlap.overlapped.reduction_percent > 0
            ? `(worst ${percent(worstOverlap.overlapped.reduction_percent)}, at ${speedText(worstOverlap.scenario.download_speed_mbps)} MB/s ` +
              `with ${worstOverlap.scenario.piece_size_kb} KB pieces)`
            : "(in every scenario each peer's share of a piece is shorter than the piece's transfer)"),
        '',
      ),
    ],
  };
}
