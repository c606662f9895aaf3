/**
 * The NOTES of the client-download report: where the model and the measurement differ, with
 * this run's figures where it has them.
 * @module
 */
import { type Section, formatNumber, text } from '../../report/model.ts';
import { HASHES_PER_PIECE } from './model.ts';
import { KB, pieceLabel } from './options.ts';
import { PERCENT, percent } from './report-format.ts';
import type { ClientDownloadResults } from './results.ts';
import { GB, findCell, receiptCpuPerGb } from './transfers.ts';

/** Where the model and the measurement differ, with this run's figures where it has them. */
export function notesSection(results: ClientDownloadResults): Section {
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
              "  The measurement also counts what the model leaves out: the extension's messages, each peer's receipt worker (its",
              "  start, its wake-ups), the receipt inbox (SQLite, a commit per batch that arrives), the reports and the tracker's aggregate",
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
    `  the uploader stops serving a downloader whose receipts fall ${lead != null ? `${lead.min_pieces} pieces or ${lead.min_bytes / 2 ** 20} MiB` : 'too far'} behind, so a late receipt stalls the`,
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
