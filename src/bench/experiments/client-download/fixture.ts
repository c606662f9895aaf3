/**
 * Benchmarks, set-up and transfers of a client-download run on fixed figures, for the tests of
 * its model, targets and report.
 * @module
 */
import { summarize } from '../../stats.ts';
import { MB } from './options.ts';
import type { ClientDownloadConfig, TransferRun } from './records.ts';

/** `n` samples around `base` (within +20%), always the same. */
const series = (base: number, n = 20) => Array.from({ length: n }, (_, i) => base * (1 + ((i * 7) % 11) / 50));

/** Receipt signing 0.42 ms, verification 1.2 ms, and SHA-256 per piece size (0.86 ms per MB), as means of series. */
export function benchmarks() {
  return new Map([
    ['client-download > model > receipt sign', summarize(series(0.42))],
    ['client-download > model > receipt verify', summarize(series(1.2))],
    ['client-download > model > piece hash 256 KB', summarize(series(0.215))],
    ['client-download > model > piece hash 512 KB', summarize(series(0.43))],
    ['client-download > model > piece hash 1024 KB', summarize(series(0.86))],
    ['client-download > model > piece hash 2048 KB', summarize(series(1.72))],
    ['client-download > transfer > 10 MB/s, 1 MiB', summarize([40_000])],
  ]);
}

/** The set-up of {@link TRANSFERS}: the seed's model grid and three transfer cells. */
export const CONFIG: ClientDownloadConfig = {
  warmup_iterations: 10,
  measure_iterations: 100,
  file_size_mb: 100,
  speeds_mbps: [1, 5, 10, 25, 50, 100],
  piece_sizes_kb: [256, 512, 1024, 2048],
  transfer: {
    size_mb: 64,
    repetitions: 3,
    cells: [
      { speed_mbps: 100, piece_size_kb: 256 },
      { speed_mbps: 10, piece_size_kb: 1024 },
      { speed_mbps: 100, piece_size_kb: 1024 },
    ],
    tracker_url: 'http://127.0.0.1:40001',
    receipt_lead: { min_pieces: 8, min_bytes: 8 * 1024 * 1024 },
    report_batch: 50,
    report_interval_ms: 2000,
  },
  cores: 2,
};

const SIZE = 64 * MB;

/** One run of 64 MB; CPU in seconds (seeder, downloader, tracker) over the run plus 0.3 s of final reports, others 10% of a core. */
export function run(
  speed: number,
  kb: number,
  receipts: boolean,
  repetition: number,
  elapsed: number | null,
  cpu: [number, number, number],
  extra: Partial<TransferRun> = {},
): TransferRun {
  const pieces = SIZE / (kb * 1024);
  return {
    speed_mbps: speed,
    piece_size_kb: kb,
    receipts,
    repetition,
    size_bytes: SIZE,
    pieces,
    elapsed_s: elapsed,
    ...(elapsed !== null && { open_s: 0 }),
    cpu:
      elapsed === null
        ? null
        : { wall_s: elapsed + 0.3, seeder_s: cpu[0], downloader_s: cpu[1], tracker_s: cpu[2], machine_s: cpu[0] + cpu[1] + cpu[2] + (elapsed + 0.3) * 0.1 },
    receipt_counts: receipts
      ? { signed: pieces, sent: pieces, received: pieces, rejected: 0, reported: pieces, credited: pieces, credited_bytes: SIZE }
      : null,
    tracker_credit: receipts ? { uploader_uploaded_delta: SIZE, downloader_downloaded_delta: SIZE } : null,
    ...extra,
  };
}

/**
 * Three cells in the order the bench runs them (on, off, off, on, on, off): 100 MB/s with
 * 256 KiB pieces (one receipts-on run failed; opening the peer took 0.05 s), and 10 and 100 MB/s with 1 MiB pieces, whose
 * median losses are 0.31% and 0.75%.
 */
export const TRANSFERS: TransferRun[] = [
  run(100, 256, true, 1, 0.75, [0.52, 0.45, 0.05], { open_s: 0.05 }),
  run(100, 256, false, 1, 0.71, [0.3, 0.28, 0], { open_s: 0.05 }),
  run(100, 256, false, 2, 0.72, [0.31, 0.29, 0], { open_s: 0.05 }),
  run(100, 256, true, 2, null, [0, 0, 0], {
    error: 'the download stalled: no byte in 15 s (downloader: 114/256 pieces, ...; seeder: 256/256 pieces, ..., received 114, ...)',
  }),
  run(100, 256, true, 3, 0.74, [0.5, 0.44, 0.05], { open_s: 0.05 }),
  run(100, 256, false, 3, 0.71, [0.3, 0.28, 0], { open_s: 0.05 }),
  run(10, 1024, true, 1, 6.44, [0.36, 0.33, 0.02]),
  run(10, 1024, false, 1, 6.42, [0.3, 0.26, 0]),
  run(10, 1024, false, 2, 6.45, [0.31, 0.27, 0]),
  run(10, 1024, true, 2, 6.46, [0.37, 0.33, 0.02], { warnings: ['seeder: tracker unreachable, retrying in 250 ms', 'seeder: tracker unreachable, retrying in 500 ms'] }),
  run(10, 1024, true, 3, 6.47, [0.37, 0.34, 0.02]),
  run(10, 1024, false, 3, 6.44, [0.3, 0.27, 0]),
  run(100, 1024, true, 1, 0.665, [0.35, 0.32, 0.02]),
  run(100, 1024, false, 1, 0.66, [0.29, 0.26, 0]),
  run(100, 1024, false, 2, 0.67, [0.3, 0.27, 0]),
  run(100, 1024, true, 2, 0.672, [0.36, 0.33, 0.02]),
  run(100, 1024, true, 3, 0.655, [0.35, 0.33, 0.02]),
  run(100, 1024, false, 3, 0.65, [0.29, 0.26, 0], { cpu: { wall_s: 0.95, seeder_s: 0.29, downloader_s: 0.26, tracker_s: 0, machine_s: 0.85 } }),
];
