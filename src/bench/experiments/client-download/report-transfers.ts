/**
 * The real transfers in the client-download report: how they ran, their times, throughputs and
 * loss against the models, the receipts they exchanged and the tracker's credit for them, and
 * the runs that failed or warned.
 * @module
 */
import { type Cell, type Column, type Section, formatNumber, text } from '../../report/model.ts';
import { modelScenario } from './model.ts';
import { pieceLabel } from './options.ts';
import type { TransferRun } from './records.ts';
import { PERCENT } from './report-format.ts';
import type { ClientDownloadResults } from './results.ts';
import type { CellResult } from './transfers.ts';

function transferSetup({ config }: ClientDownloadResults): string[] {
  const transfer = config?.transfer;
  if (!transfer) return [];
  const peer = [
    transfer.receipt_lead !== null &&
      `the uploader serves at most ${transfer.receipt_lead.min_pieces} pieces or ${transfer.receipt_lead.min_bytes / 2 ** 20} MiB (whichever is more) ahead of the receipts it holds`,
    transfer.report_batch !== null &&
      `reports when ${transfer.report_batch} receipts wait or the oldest waited ${transfer.report_interval_ms} ms`,
  ].filter(Boolean);
  return [
    `File: ${transfer.size_mb} MB, one torrent per piece size; ${transfer.repetitions} runs with receipts on and ${transfer.repetitions} off per cell,`,
    'alternated (on, off, off, on, ...); every run starts a new seeder and a new downloader process.',
    `Tracker: ${transfer.tracker_url ?? 'not recorded'} (its own process, private mode, no chain, no TEE); both peers announce`,
    'to it in every run. With receipts on, the downloader signs a receipt per piece and sends it to the seeder, which',
    "verifies it and reports it to the tracker; a run ends when the seeder's reports are answered. Every receipts-on run",
    'uses a newly registered downloader: the same torrent, uploader and downloader in the same epoch would sign receipts',
    'with the same ids, which the tracker rightly refuses as spent.',
    ...peer.map((line, i) => `${i === 0 ? 'Peers: ' : '       '}${line}${i === peer.length - 1 ? '.' : ';'}`),
    "Time: the downloader's time to complete, from opening its peer to its last piece verified; Open: of which opening it",
    '(data check, listening, the started announce). Throughput: the file over the rest, the transfer itself. Loss:',
    '(1 - throughput on / throughput off) x 100 for each pair (on #i and off #i ran next to each other); median and range.',
    '',
  ];
}

const seconds = (header: string, width: number): Column => ({ header, unit: 's', width, align: 'right', format: { digits: 2 } });
const rate = (header: string, width: number): Column => ({ header, unit: 'MB/s', width, align: 'right', format: { digits: 2 } });
const pct = (header: string, width: number): Column => ({ header, unit: '%', width, align: 'right', format: { digits: 2 } });

function range(cell: CellResult): Cell {
  const loss = cell.loss_percent;
  return loss ? `${formatNumber(loss.min, PERCENT)}..${formatNumber(loss.max, PERCENT)}` : null;
}

/** The REAL TRANSFERS section, or undefined when no transfer cell was recorded. */
export function transfersSection(results: ClientDownloadResults): Section | undefined {
  const { cells, cost, config } = results;
  if (cells.length === 0) return undefined;
  const sizeMb = config?.transfer?.size_mb;
  const sequential = (cell: CellResult) =>
    cost && sizeMb !== undefined ? (modelScenario(cost, cell.speed_mbps, cell.piece_size_kb, sizeMb)?.throughput.reduction_percent ?? null) : null;
  return {
    title: "REAL TRANSFERS (loopback TCP; seeder and downloader in their own processes; the link limited by the seeder's token bucket)",
    heading: 'line',
    blocks: [
      text('', ...transferSetup(results)),
      {
        kind: 'table',
        id: 'transfers',
        columns: [
          { header: 'Cell', width: 18 },
          { header: 'Runs on/off', width: 11, align: 'right' },
          seconds('Time off (s)', 12),
          seconds('Time on (s)', 11),
          seconds('Open (s)', 8),
          rate('Off (MB/s)', 10),
          rate('On (MB/s)', 9),
          pct('Loss (%)', 8),
          { header: 'Loss range (%)', width: 14, align: 'right' },
          pct('Predicted (%)', 13),
          pct('Sequential (%)', 14),
        ],
        rows: cells.map((cell) => [
          cell.label,
          `${cell.runs.completed_on}/${cell.runs.completed_off}`,
          cell.time_off_s,
          cell.time_on_s,
          cell.open_s,
          cell.throughput_off_mbps,
          cell.throughput_on_mbps,
          cell.loss_percent?.median ?? null,
          range(cell),
          cell.predicted_loss_percent,
          sequential(cell),
        ]),
      },
      text(
        '',
        'Runs: completed with receipts on / off. Predicted: the overlapped model with the CPU measured receipts off (each',
        "peer's, and the whole machine's), the model's receipt work added to it: a loss only where a core, or the machine,",
        "is full. Sequential: the seed's model for this cell.",
        '',
      ),
    ],
  };
}

/** The RECEIPTS section, or undefined when no cell ran with receipts on. */
export function receiptsSection({ cells }: ClientDownloadResults): Section | undefined {
  const withReceipts = cells.filter((cell) => cell.runs.on > 0);
  if (withReceipts.length === 0) return undefined;
  const count = (header: string, width: number): Column => ({ header, width, align: 'right', format: { digits: 0, grouped: true } });
  return {
    title: 'RECEIPTS (receipts-on runs that completed; credited: as the tracker answered the uploader\'s reports)',
    heading: 'line',
    blocks: [
      text(''),
      {
        kind: 'table',
        id: 'transfer-receipts',
        columns: [
          { header: 'Cell', width: 18 },
          count('Expected', 9),
          count('Signed', 9),
          count('Sent', 9),
          count('Reported', 9),
          count('Credited', 9),
          { header: 'Tracker credit', width: 14, align: 'right' },
        ],
        rows: withReceipts.map((cell) => [
          cell.label,
          cell.receipts.expected,
          cell.receipts.signed,
          cell.receipts.sent,
          cell.receipts.reported,
          cell.receipts.credited,
          cell.receipts.all_credited === null ? null : cell.receipts.all_credited ? 'every run' : 'NOT every run',
        ]),
      },
      text(
        '',
        "Expected: one receipt per piece per run. Tracker credit: in every run, GET /users/<uploader> grew by the file size",
        "(the uploaded delta) and the seeder's credited receipts and bytes were all of the torrent's.",
        '',
      ),
    ],
  };
}

/** Each failed run's error and each warned run's first warning, or undefined when there are none. */
export function failedSection({ runs }: ClientDownloadResults): Section | undefined {
  const name = (run: TransferRun) => `${run.speed_mbps} MB/s, ${pieceLabel(run.piece_size_kb)}, receipts ${run.receipts ? 'on' : 'off'} #${run.repetition}`;
  const lines = [
    ...runs.filter((run) => run.error !== undefined).map((run) => `FAILED: ${name(run)}: ${run.error}`),
    ...runs
      .filter((run) => run.warnings && run.warnings.length > 0)
      .map((run) => `WARNING: ${name(run)}: ${run.warnings![0]}${run.warnings!.length > 1 ? ` (and ${run.warnings!.length - 1} more)` : ''}`),
  ];
  if (lines.length === 0) return undefined;
  return { title: 'Failed runs', heading: 'none', blocks: [text(...lines, '')] };
}
