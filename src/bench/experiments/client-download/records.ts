/**
 * What `bench/client-download.bench.ts` records besides its timings (`recordExtra`): the set-up
 * (the `config` extra) and one record per real transfer (the `transfers` extra), with their
 * readers, which keep only well-formed records because the extras are read back from a file.
 * @module
 */

/** The set-up of a run, as the report prints it and the result file keeps it. */
export interface ClientDownloadConfig {
  warmup_iterations: number;
  measure_iterations: number;
  file_size_mb: number;
  speeds_mbps: number[];
  piece_sizes_kb: number[];
  transfer: {
    size_mb: number;
    repetitions: number;
    cells: { speed_mbps: number; piece_size_kb: number }[];
    /** Where the tracker listened; it ran in its own process, private mode, no chain, no TEE. */
    tracker_url: string | null;
    /** The peers' settings that shape a transfer (`PbtsPeerOptions`). */
    /** The default receipt lead: this many pieces or bytes ahead, whichever is more (`defaultReceiptLead`). */
    receipt_lead: { min_pieces: number; min_bytes: number } | null;
    report_batch: number | null;
    report_interval_ms: number | null;
  } | null;
  cores: number;
}

/** CPU seconds each process used during a transfer (Linux /proc), and the transfer's wall time. */
export interface TransferCpu {
  /** From the downloader's start to the uploader's last report answered. */
  wall_s: number;
  seeder_s: number | null;
  downloader_s: number | null;
  tracker_s: number | null;
  /** Every process on every core (/proc/stat); what the three did not use went to others (the bench, other work). */
  machine_s?: number | null;
}

/** The receipt counters of one transfer, from both peers' `PbtsPeerStats`. */
export interface TransferReceipts {
  /** By the downloader. */
  signed: number;
  sent: number;
  /** By the uploader (the seeder). */
  received: number;
  rejected: number;
  reported: number;
  credited: number;
  credited_bytes: number;
}

/** What the tracker says changed for the two users over a receipts-on transfer (`GET /users/<id>`). */
export interface TrackerCredit {
  uploader_uploaded_delta: number | null;
  downloader_downloaded_delta: number | null;
}

/** One real transfer: a downloader fetching the whole torrent from one seeder. */
export interface TransferRun {
  speed_mbps: number;
  piece_size_kb: number;
  receipts: boolean;
  /** 1-based: the n-th run of this cell with receipts on (or off). */
  repetition: number;
  size_bytes: number;
  pieces: number;
  /** The downloader's time from opening its peer to the last piece verified; null when it did not finish. */
  elapsed_s: number | null;
  /** Of which opening its peer (data check, listening, the `started` announce): the transfer is the rest. */
  open_s?: number;
  cpu: TransferCpu | null;
  /** Receipts-on runs only. */
  receipt_counts: TransferReceipts | null;
  tracker_credit: TrackerCredit | null;
  /** What the peers warned about (a refused message, an unreachable tracker), when they did. */
  warnings?: string[];
  error?: string;
}

/** True for a plain object (not null, not an array). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The `config` extra, when recorded. */
export function readConfig(value: unknown): ClientDownloadConfig | undefined {
  return isObject(value) && isNumber(value.file_size_mb) ? (value as unknown as ClientDownloadConfig) : undefined;
}

/** The `transfers` extra: the well-formed records, in the order they ran. */
export function readTransfers(value: unknown): TransferRun[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (run): run is TransferRun =>
      isObject(run) &&
      isNumber(run.speed_mbps) &&
      isNumber(run.piece_size_kb) &&
      typeof run.receipts === 'boolean' &&
      isNumber(run.repetition) &&
      isNumber(run.size_bytes) &&
      isNumber(run.pieces) &&
      (run.elapsed_s === null || isNumber(run.elapsed_s)),
  );
}

/** True for a run that completed its download without an error. */
export function completed(run: TransferRun): run is TransferRun & { elapsed_s: number } {
  return run.error === undefined && run.elapsed_s !== null && run.elapsed_s > 0;
}
