/**
 * Targets of the client-download experiment (DESIGN.md): under 1% download throughput loss at
 * 10-100 MB/s with 1 MiB pieces (the median over a cell's pairs of runs), and every receipt of
 * a completed download credited at the tracker.
 * @module
 */
import { type TargetCheck, targetCheck } from '../../targets.ts';
import { KB } from './options.ts';
import type { CellResult } from './transfers.ts';

/** The two checks against the cells of a run (cells with no pair of completed runs count as not measured). */
export function checkTargets(cells: readonly CellResult[]): TargetCheck[] {
  const inRange = cells.filter((cell) => cell.piece_size_kb === KB && cell.speed_mbps >= 10 && cell.speed_mbps <= 100 && cell.loss_percent);
  const worst = inRange.reduce<CellResult | undefined>(
    (top, cell) => (top === undefined || cell.loss_percent!.median > top.loss_percent!.median ? cell : top),
    undefined,
  );
  const withReceipts = cells.filter((cell) => cell.receipts.all_credited !== null);
  const expected = withReceipts.reduce((sum, cell) => sum + cell.receipts.expected, 0);
  const credited = withReceipts.reduce((sum, cell) => sum + cell.receipts.credited, 0);
  const runs = withReceipts.reduce((sum, cell) => sum + cell.runs.completed_on, 0);
  const everyRun = withReceipts.every((cell) => cell.receipts.all_credited);
  return [
    targetCheck(
      'transfer_throughput_loss',
      '< 1% at 10-100 MB/s, 1 MiB pieces',
      worst?.loss_percent!.median,
      '%',
      (v) => v < 1,
      `worst cell ${worst?.label} (median of ${worst?.pairs} pairs); cells ${inRange.map((cell) => cell.label.replace(', 1 MiB', '')).join(', ')}`,
      { digits: 2 },
    ),
    targetCheck(
      'receipts_credited',
      '100% of the receipts of completed downloads',
      expected > 0 ? (credited / expected) * 100 : undefined,
      '%',
      (v) => v === 100 && everyRun,
      `${credited} of ${expected} receipts over ${runs} receipts-on runs; ` +
        (everyRun ? 'the uploader credited the file size at the tracker every run' : 'some run was NOT fully credited at the tracker'),
      { digits: 2 },
    ),
  ];
}
