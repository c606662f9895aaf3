/**
 * The process CPU of the real transfers in the client-download report: each process's seconds
 * per GB with receipts on and off, the receipts' extra, and how busy the cores were, which says
 * where the overlapped model's idle-core assumption holds.
 * @module
 */
import { type Column, type Section, text } from '../../report/model.ts';
import type { ClientDownloadResults } from './results.ts';
import type { CellResult } from './transfers.ts';

/** The PROCESS CPU section, or undefined when no transfer measured its CPU. */
export function cpuSection({ cells, config }: ClientDownloadResults): Section | undefined {
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
