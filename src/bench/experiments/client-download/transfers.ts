/**
 * The real transfers of a run, cell by cell: time to complete and throughput with receipts on
 * and off, the loss between the two runs of each pair (on #i against off #i, which ran next to
 * each other), the receipts and their credit at the tracker, and each process's CPU per GB.
 * @module
 */
import { KB, MB, cellLabel } from './options.ts';
import { type ReceiptCost, peerWork, saturationLoss } from './model.ts';
import { type TransferRun, completed } from './records.ts';

/** Bytes in a GB (binary, as MB and KB are here). */
export const GB = 1024 * MB;

/** Median, smallest and largest of a series. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median of non-empty `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spread(values: readonly number[]): Spread | null {
  return values.length === 0 ? null : { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

const medianOrNull = (values: readonly (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : median(known);
};

/** CPU seconds per GB of the three processes, medians over a mode's completed runs. */
export interface CpuPerGb {
  seeder: number | null;
  downloader: number | null;
  tracker: number | null;
  /** All three, per run, then the median. */
  total: number | null;
}

/** One cell's figures. */
export interface CellResult {
  speed_mbps: number;
  piece_size_kb: number;
  label: string;
  size_bytes: number;
  pieces: number;
  runs: { on: number; off: number; completed_on: number; completed_off: number; failed: number };
  /** Medians over completed runs (seconds, MB/s): time to complete, of it the peer's opening (both modes), throughput of the rest. */
  time_on_s: number | null;
  time_off_s: number | null;
  open_s: number | null;
  throughput_on_mbps: number | null;
  throughput_off_mbps: number | null;
  /** (1 - throughput on / throughput off) x 100 per pair of completed runs. */
  loss_percent: Spread | null;
  pairs: number;
  receipts: {
    /** pieces x completed receipts-on runs: one receipt per piece. */
    expected: number;
    signed: number;
    sent: number;
    reported: number;
    credited: number;
    /** Every completed receipts-on run had all its receipts credited and the uploader credited the file size at the tracker. */
    all_credited: boolean | null;
  };
  cpu_per_gb: { on: CpuPerGb; off: CpuPerGb };
  /** Extra CPU of the three processes per GB, on minus off, per pair, median. */
  receipt_cpu_s_per_gb: number | null;
  /** Share of a core the busiest peer used receipts off (CPU / wall time), median. */
  busiest_off_share: { seeder: number | null; downloader: number | null };
  /** Share of a core every other process took (machine minus the three), over all completed runs: the largest. */
  others_max_share: number | null;
  /**
   * The overlapped model with the CPU measured receipts off: the loss where a peer's core, or the
   * whole machine, cannot also fit the receipt work (null without the receipt cost or the CPU).
   */
  predicted_loss_percent: number | null;
}

function cpuPerGb(runs: readonly TransferRun[]): CpuPerGb {
  const per = (pick: (run: TransferRun) => number | null | undefined) =>
    runs.map((run) => {
      const seconds = pick(run);
      return seconds === null || seconds === undefined ? null : seconds / (run.size_bytes / GB);
    });
  const totals = runs.map((run) => {
    const cpu = run.cpu;
    if (!cpu || cpu.seeder_s === null || cpu.downloader_s === null) return null;
    return (cpu.seeder_s + cpu.downloader_s + (cpu.tracker_s ?? 0)) / (run.size_bytes / GB);
  });
  return {
    seeder: medianOrNull(per((run) => run.cpu?.seeder_s)),
    downloader: medianOrNull(per((run) => run.cpu?.downloader_s)),
    tracker: medianOrNull(per((run) => run.cpu?.tracker_s)),
    total: medianOrNull(totals),
  };
}

function share(runs: readonly TransferRun[], pick: (cpu: NonNullable<TransferRun['cpu']>) => number | null): number | null {
  return medianOrNull(
    runs.map((run) => {
      const seconds = run.cpu ? pick(run.cpu) : null;
      return seconds === null || !run.cpu || run.cpu.wall_s <= 0 ? null : seconds / run.cpu.wall_s;
    }),
  );
}

/** Share of a core taken by processes other than the three during a run; null when the machine's CPU is unknown. */
export function othersShare(run: TransferRun): number | null {
  const cpu = run.cpu;
  if (!cpu || cpu.machine_s === null || cpu.machine_s === undefined || cpu.wall_s <= 0) return null;
  return Math.max(0, (cpu.machine_s - (cpu.seeder_s ?? 0) - (cpu.downloader_s ?? 0) - (cpu.tracker_s ?? 0)) / cpu.wall_s);
}

function othersMax(runs: readonly TransferRun[]): number | null {
  const shares = runs.map(othersShare).filter((v): v is number => v !== null);
  return shares.length === 0 ? null : Math.max(...shares);
}

/** True when a receipts-on run's receipts were all credited, by the peers' counters and at the tracker. */
export function fullyCredited(run: TransferRun): boolean {
  const counts = run.receipt_counts;
  return (
    counts !== null &&
    counts.credited === run.pieces &&
    counts.credited_bytes === run.size_bytes &&
    run.tracker_credit?.uploader_uploaded_delta === run.size_bytes
  );
}

function cellResult(runs: readonly TransferRun[], cost: ReceiptCost | undefined, cores: number | undefined): CellResult {
  const first = runs[0]!;
  const on = runs.filter((run) => run.receipts);
  const off = runs.filter((run) => !run.receipts);
  const doneOn = on.filter(completed);
  const doneOff = off.filter(completed);
  // The transfer itself: the time to complete without the opening (data check, listening, announce).
  const mbps = (run: TransferRun & { elapsed_s: number }) => run.size_bytes / MB / (run.elapsed_s - (run.open_s ?? 0));
  const losses: number[] = [];
  const extraCpu: number[] = [];
  for (const runOn of doneOn) {
    const runOff = doneOff.find((run) => run.repetition === runOn.repetition);
    if (!runOff) continue;
    losses.push((1 - mbps(runOn) / mbps(runOff)) * 100);
    const [a, b] = [cpuPerGb([runOn]).total, cpuPerGb([runOff]).total];
    if (a !== null && b !== null) extraCpu.push(a - b);
  }
  const sum = (pick: (counts: NonNullable<TransferRun['receipt_counts']>) => number) =>
    doneOn.reduce((total, run) => total + (run.receipt_counts ? pick(run.receipt_counts) : 0), 0);
  const busiest = {
    seeder: share(doneOff, (cpu) => cpu.seeder_s),
    downloader: share(doneOff, (cpu) => cpu.downloader_s),
  };
  const machine = share(doneOff, (cpu) => cpu.machine_s ?? null);
  let predicted: number | null = null;
  const work = cost && peerWork(cost, first.piece_size_kb);
  if (work && busiest.seeder !== null && busiest.downloader !== null) {
    const pieceMs = ((first.piece_size_kb * KB) / (first.speed_mbps * MB)) * 1000;
    const losses = [
      saturationLoss(busiest.seeder, work.uploader_ms / pieceMs),
      saturationLoss(busiest.downloader, work.downloader_ms / pieceMs),
    ];
    // The machine as a whole: every process's CPU receipts off, per core, plus both peers' receipt work.
    if (machine !== null && cores !== undefined) {
      losses.push(saturationLoss(machine / cores, (work.uploader_ms + work.downloader_ms) / pieceMs / cores));
    }
    predicted = Math.max(...losses);
  }
  return {
    speed_mbps: first.speed_mbps,
    piece_size_kb: first.piece_size_kb,
    label: cellLabel({ speedMbps: first.speed_mbps, pieceSizeKb: first.piece_size_kb }),
    size_bytes: first.size_bytes,
    pieces: first.pieces,
    runs: { on: on.length, off: off.length, completed_on: doneOn.length, completed_off: doneOff.length, failed: runs.length - doneOn.length - doneOff.length },
    time_on_s: medianOrNull(doneOn.map((run) => run.elapsed_s)),
    time_off_s: medianOrNull(doneOff.map((run) => run.elapsed_s)),
    open_s: medianOrNull([...doneOn, ...doneOff].map((run) => run.open_s ?? null)),
    throughput_on_mbps: medianOrNull(doneOn.map(mbps)),
    throughput_off_mbps: medianOrNull(doneOff.map(mbps)),
    loss_percent: spread(losses),
    pairs: losses.length,
    receipts: {
      expected: first.pieces * doneOn.length,
      signed: sum((c) => c.signed),
      sent: sum((c) => c.sent),
      reported: sum((c) => c.reported),
      credited: sum((c) => c.credited),
      all_credited: doneOn.length === 0 ? null : doneOn.every(fullyCredited),
    },
    cpu_per_gb: { on: cpuPerGb(doneOn), off: cpuPerGb(doneOff) },
    receipt_cpu_s_per_gb: extraCpu.length === 0 ? null : median(extraCpu),
    busiest_off_share: busiest,
    others_max_share: othersMax([...doneOn, ...doneOff]),
    predicted_loss_percent: predicted,
  };
}

/**
 * The cells of `runs`, by piece size then speed; `cost` (when measured) and the machine's
 * `cores` give each cell's overlapped prediction.
 */
export function cellResults(runs: readonly TransferRun[], cost?: ReceiptCost, cores?: number): CellResult[] {
  const cells = new Map<string, TransferRun[]>();
  for (const run of runs) {
    const key = `${run.piece_size_kb}/${run.speed_mbps}`;
    cells.set(key, [...(cells.get(key) ?? []), run]);
  }
  return [...cells.values()]
    .sort((a, b) => a[0]!.piece_size_kb - b[0]!.piece_size_kb || a[0]!.speed_mbps - b[0]!.speed_mbps)
    .map((cellRuns) => cellResult(cellRuns, cost, cores));
}

/** The cell of `speed` and `pieceSizeKb`, if measured. */
export function findCell(cells: readonly CellResult[], speed: number, pieceSizeKb: number): CellResult | undefined {
  return cells.find((cell) => cell.speed_mbps === speed && cell.piece_size_kb === pieceSizeKb);
}

/** Extra CPU per GB of receipts with 1 MiB pieces: the median of the 1 MiB cells' medians; null without one. */
export function receiptCpuPerGb(cells: readonly CellResult[]): number | null {
  return medianOrNull(cells.filter((cell) => cell.piece_size_kb === KB).map((cell) => cell.receipt_cpu_s_per_gb));
}
