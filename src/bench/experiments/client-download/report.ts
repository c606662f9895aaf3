/**
 * The client-download experiment's printed sections as data: the receipt work measured, the
 * seed's OVERHEAD SUMMARY TABLE (sequential, with the overlapped model beside it) and KEY
 * INSIGHTS, the real transfers (loss, receipts and their credit, process CPU per GB), the
 * targets, and notes on where the model and the measurement differ.
 * @module
 */
import { type Cell, type Column, type NumberFormat, type Section, formatNumber, text } from '../../report/model.ts';
import type { TargetCheck } from '../../targets.ts';
import { HASHES_PER_PIECE, type ModelScenario, modelScenario } from './model.ts';
import { KB, pieceLabel } from './options.ts';
import type { TransferRun } from './records.ts';
import type { ClientDownloadResults } from './results.ts';
import { type CellResult, GB, findCell, receiptCpuPerGb } from './transfers.ts';

const INDENT = '  ';
const MS: NumberFormat = { digits: 4 };
const PERCENT: NumberFormat = { digits: 2 };
const percent = (value: number) => `${formatNumber(value, PERCENT)}%`;
const speedText = (mbps: number) => String(mbps);

function measuredSection({ config, sign, verify, hashes }: ClientDownloadResults): Section {
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

function summaryTable({ scenarios }: ClientDownloadResults): Section {
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

function insightsSection({ insights }: ClientDownloadResults): Section | undefined {
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

function transferSetup({ config }: ClientDownloadResults): string[] {
  const transfer = config?.transfer;
  if (!transfer) return [];
  const peer = [
    transfer.receipt_lead !== null && `the uploader serves at most ${transfer.receipt_lead} pieces ahead of the receipts it holds`,
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

function transfersSection(results: ClientDownloadResults): Section | undefined {
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

function receiptsSection({ cells }: ClientDownloadResults): Section | undefined {
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

function cpuSection({ cells, config }: ClientDownloadResults): Section | undefined {
  const measured = cells.filter((cell) => cell.cpu_per_gb.on.total !== null || cell.cpu_per_gb.off.total !== null);
  if (measured.length === 0) return undefined;
  const perGb = (header: string, width: number): Column => ({ header, unit: 's', width, align: 'right', format: { digits: 2 } });
  const busy = (header: string, width: number): Column => ({ header, unit: '%', width, align: 'right', format: { digits: 0, suffix: '%' } });
  const cores = config?.cores;
  return {
    title: `PROCESS CPU (seconds per GB transferred, median over runs; busy: share of one core receipts off${cores ? `, the machine has ${cores} cores` : ''})`,
    heading: 'line',
    blocks: [
      text(''),
      {
        kind: 'table',
        id: 'transfer-cpu',
        columns: [
          { header: 'Cell', width: 18 },
          perGb('Seeder off', 10),
          perGb('Seeder on', 9),
          perGb('Downl. off', 10),
          perGb('Downl. on', 9),
          perGb('Tracker on', 10),
          perGb('Extra (s/GB)', 12),
          busy('Seeder busy', 11),
          busy('Downl. busy', 11),
          busy('Others max', 10),
        ],
        rows: measured.map((cell) => [
          cell.label,
          cell.cpu_per_gb.off.seeder,
          cell.cpu_per_gb.on.seeder,
          cell.cpu_per_gb.off.downloader,
          cell.cpu_per_gb.on.downloader,
          cell.cpu_per_gb.on.tracker,
          cell.receipt_cpu_s_per_gb,
          cell.busiest_off_share.seeder === null ? null : cell.busiest_off_share.seeder * 100,
          cell.busiest_off_share.downloader === null ? null : cell.busiest_off_share.downloader * 100,
          cell.others_max_share === null ? null : cell.others_max_share * 100,
        ]),
      },
      text(
        '',
        "CPU from /proc (user + system, all threads) of each process, from the downloader's start to the seeder's last",
        'report answered. Extra: the three processes with receipts on minus off, per pair, median. Others max: the most of',
        'a core every other process on the machine (the bench itself, anything else running) took during one of the runs.',
        ...othersWarning(measured),
        '',
      ),
    ],
  };
}

/** A warning when other processes took a quarter of a core or more during some run. */
function othersWarning(cells: readonly CellResult[]): string[] {
  const busiest = Math.max(0, ...cells.map((cell) => cell.others_max_share ?? 0));
  if (busiest < 0.25) return [];
  return [
    `WARNING: other processes took up to ${(busiest * 100).toFixed(0)}% of a core during a run; the transfers compete with them`,
    'for the cores, so times and losses are noisier (and, where a core saturates, larger) than on an idle machine.',
  ];
}

/** Where the model and the measurement differ, with this run's figures where it has them. */
function notesSection(results: ClientDownloadResults): Section {
  const { cost, modelAt1MiB100, cells, config } = results;
  const cell = findCell(cells, 100, KB);
  const lines: string[] = ['NOTES: the model against the measurement'];
  if (modelAt1MiB100) {
    const measured = cell?.loss_percent ? `the real transfers lost ${percent(cell.loss_percent.median)} (median)` : 'the real transfers did not measure that cell';
    const predicted = cell?.predicted_loss_percent != null ? `, ${percent(cell.predicted_loss_percent)} with the CPU measured receipts off` : '';
    lines.push(
      `- The seed's sequential model predicts ${percent(modelAt1MiB100.throughput.reduction_percent)} loss at 100 MB/s with 1 MiB pieces; ${measured}.`,
      '  It assumes nothing moves while a peer signs or verifies. On a real connection the downloader signs while the kernel',
      '  keeps receiving into its socket buffer, and the uploader verifies while its token bucket keeps its budget, so the',
      '  receipt work overlaps the transfer and costs throughput only where a core saturates: the overlapped model',
      `  (${percent(modelAt1MiB100.overlapped.reduction_percent)} on idle cores${predicted}).`,
    );
  }
  if (cost) {
    const hash = cost.hash_ms.get(KB);
    if (hash !== undefined) {
      const perPiece = cost.sign_ms + cost.verify_ms + HASHES_PER_PIECE * hash;
      const modelled = (perPiece * (GB / (KB * KB))) / 1000;
      const measured = receiptCpuPerGb(cells);
      lines.push(
        `- CPU: the model's receipt work is ${formatNumber(perPiece, { digits: 3 })} ms per 1 MiB piece, ${formatNumber(modelled, PERCENT)} s per GB over both peers;`,
        ...(measured === null
          ? ['  no 1 MiB transfer measured the extra CPU.']
          : [
              `  the transfers measured receipts on minus off ${formatNumber(measured, { digits: 2, signed: true })} s per GB (all three processes, median of pairs),`,
              measured <= 0
                ? '  no more than the noise of these runs.'
                : `  ${formatNumber(measured / modelled, { digits: 1 })}x the model's` +
                  (Math.abs(measured / modelled - 1) > 0.2
                    ? `; the "Predicted" column uses the model's figure, so it is ${measured > modelled ? 'low' : 'high'} by as much.`
                    : '.'),
              "  The measurement also counts what the model leaves out: the extension's messages, the uploader reading each piece",
              "  back to hash it, its receipt inbox (SQLite, one commit per receipt), its reports and the tracker's aggregate",
              "  verification; and it carries /proc's 10 ms resolution and the noise of runs on a shared machine.",
            ]),
      );
    }
  }
  const bound = cells.filter((c) => c.throughput_off_mbps !== null && c.throughput_off_mbps < 0.9 * c.speed_mbps);
  if (bound.length > 0) {
    const list = bound.map((c) => `${c.label}: ${formatNumber(c.throughput_off_mbps!, PERCENT)} MB/s`).join('; ');
    lines.push(
      `- Without receipts some transfers stayed well below their link speed (${list}): there the peers' own CPU, not`,
      '  the token bucket, set the pace (see the busy shares), so the receipts\' CPU comes straight off the transfer and',
      '  the sequential model, not the overlapped one, is the one that applies.',
    );
  }
  const stalled = results.runs.filter((run) => run.error?.includes('stalled'));
  if (stalled.length > 0) {
    const where = [...new Set(stalled.map((run) => `${run.speed_mbps} MB/s with ${pieceLabel(run.piece_size_kb)} pieces`))].join(', ');
    lines.push(
      `- ${stalled.length} receipts-on run${stalled.length > 1 ? 's' : ''} stalled for good (${where}): the seeder held a receipt for every`,
      '  piece the downloader had completed and still sent nothing more (see the failed runs). That is the peer\'s receipt',
      "  lead, not the receipts' cost; those cells' figures come from the runs that completed.",
    );
  }
  const lead = config?.transfer?.receipt_lead;
  lines.push(
    '- Outside both models: connection set-up and announces (the same with receipts on and off), and the receipt lead:',
    `  the uploader stops serving a downloader whose receipts fall ${lead != null ? `${lead} pieces` : 'too far'} behind, so a late receipt stalls the`,
    '  transfer; the models assume receipts are never late.',
  );
  if (config && cells.some((c) => (c.busiest_off_share.seeder ?? 0) > 0.5 || (c.busiest_off_share.downloader ?? 0) > 0.5)) {
    lines.push(
      `- The peers, the tracker and the bench share ${config.cores} cores: where a peer was busy over half a core with receipts off,`,
      '  the receipts\' CPU competes with the transfer itself and the overlapped model\'s idle-core figure is too low.',
    );
  }
  lines.push('');
  return { title: 'NOTES', heading: 'none', blocks: [text(...lines)] };
}

function failedSection({ runs }: ClientDownloadResults): Section | undefined {
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

/** The sections of the client-download report, in printed order. */
export function clientDownloadSections(results: ClientDownloadResults, targets: TargetCheck[]): Section[] {
  const sections: (Section | undefined)[] = [
    measuredSection(results),
    results.scenarios.length > 0 ? summaryTable(results) : undefined,
    insightsSection(results),
    failedSection(results),
    transfersSection(results),
    receiptsSection(results),
    cpuSection(results),
    { title: 'TARGETS', heading: 'line', blocks: [{ kind: 'targets', checks: targets }, text('')] },
    notesSection(results),
  ];
  return sections.filter((section): section is Section => section !== undefined);
}
