/**
 * The seed's analytic model of receipt overhead in a download (reference spec 6.3), with one
 * receipt per piece and the receipt work measured here, beside the overlapped model the real
 * transfers should follow.
 *
 * Sequential (the seed's): every piece's receipt work is added to the download time, as if
 * nothing moved while a peer signs or verifies; that is what happens when a core is saturated
 * by the transfer itself, so it is the upper bound. Overlapped: receipt work runs beside the
 * transfer (kernel socket buffers and the sender's token bucket keep bytes moving while a peer
 * signs or verifies), each peer in its own process, so the download slows only when one peer's
 * receipt work for a piece outlasts the piece's transfer time; with the CPU a transfer already
 * takes (measured receipts off), the loss is what receipts take from a core that saturates.
 * @module
 */
import { KB, MB } from './options.ts';

/** Receipt work per piece, in ms, as measured by the benchmarks. */
export interface ReceiptCost {
  /** The downloader: build the receipt message and sign it (blst). */
  sign_ms: number;
  /** The uploader: verify the receipt's signature. */
  verify_ms: number;
  /** SHA-256 of one piece by size in KB: the receipt names the piece by it (v1 torrents hash with SHA-1). */
  hash_ms: ReadonlyMap<number, number>;
}

/**
 * SHA-256 hashes of each piece a receipt adds: the downloader hashes the piece to sign, the
 * uploader hashes what it sent to check the receipt names it.
 */
export const HASHES_PER_PIECE = 2;

/** One scenario of the model, shaped as the reference's result entries (plus the overlapped model). */
export interface ModelScenario {
  scenario: {
    download_speed_mbps: number;
    piece_size_kb: number;
    num_pieces: number;
    /** Pieces per receipt: 1 (the authors' script defaulted to 10, understating receipts 10x). */
    batch_size: 1;
    num_receipts: number;
    total_size_mb: number;
  };
  /** Receipt work per piece: sign + verify, plus the piece's SHA-256 at both ends. */
  receipt_time: { per_piece_ms: number; sign_ms: number; verify_ms: number; hash_ms: number };
  overhead: { total_download_time_sec: number; total_receipt_gen_time_sec: number; total_overhead_percent: number };
  /** Sequential: receipt work added to the download time. */
  throughput: { baseline_mbps: number; actual_mbps: number; reduction_percent: number };
  total_download: { baseline_time_sec: number; actual_time_sec: number; overhead_sec: number };
  /** Overlapped on otherwise idle cores: a piece takes the longer of its transfer and one peer's receipt work. */
  overlapped: { busiest_peer_ms: number; actual_mbps: number; reduction_percent: number; actual_time_sec: number };
}

/** Per-piece receipt work of each peer (ms) for pieces of `pieceSizeKb`; undefined without that piece size's hash. */
export function peerWork(cost: ReceiptCost, pieceSizeKb: number): { downloader_ms: number; uploader_ms: number; hash_ms: number } | undefined {
  const hash = cost.hash_ms.get(pieceSizeKb);
  if (hash === undefined) return undefined;
  return { downloader_ms: cost.sign_ms + hash, uploader_ms: cost.verify_ms + hash, hash_ms: hash * HASHES_PER_PIECE };
}

/** The model of one scenario; undefined when the piece size's hash was not measured. */
export function modelScenario(cost: ReceiptCost, speedMbps: number, pieceSizeKb: number, fileSizeMb: number): ModelScenario | undefined {
  const work = peerWork(cost, pieceSizeKb);
  if (!work) return undefined;
  const numPieces = Math.ceil((fileSizeMb * MB) / (pieceSizeKb * KB));
  const perPieceMs = cost.sign_ms + cost.verify_ms + work.hash_ms;
  const downloadS = fileSizeMb / speedMbps;
  const receiptS = (perPieceMs * numPieces) / 1000;
  const sequentialS = downloadS + receiptS;
  const actual = fileSizeMb / sequentialS;
  // Overlapped: each peer does its own share of each piece beside the transfer of the next.
  const pieceMs = ((pieceSizeKb * KB) / (speedMbps * MB)) * 1000;
  const busiest = Math.max(work.downloader_ms, work.uploader_ms);
  const overlappedS = downloadS * (Math.max(pieceMs, busiest) / pieceMs);
  const overlappedActual = fileSizeMb / overlappedS;
  return {
    scenario: {
      download_speed_mbps: speedMbps,
      piece_size_kb: pieceSizeKb,
      num_pieces: numPieces,
      batch_size: 1,
      num_receipts: numPieces,
      total_size_mb: fileSizeMb,
    },
    receipt_time: { per_piece_ms: perPieceMs, sign_ms: cost.sign_ms, verify_ms: cost.verify_ms, hash_ms: work.hash_ms },
    overhead: {
      total_download_time_sec: downloadS,
      total_receipt_gen_time_sec: receiptS,
      total_overhead_percent: (receiptS / downloadS) * 100,
    },
    throughput: { baseline_mbps: speedMbps, actual_mbps: actual, reduction_percent: ((speedMbps - actual) / speedMbps) * 100 },
    total_download: { baseline_time_sec: downloadS, actual_time_sec: sequentialS, overhead_sec: receiptS },
    overlapped: {
      busiest_peer_ms: busiest,
      actual_mbps: overlappedActual,
      reduction_percent: ((speedMbps - overlappedActual) / speedMbps) * 100,
      actual_time_sec: overlappedS,
    },
  };
}

/** Every scenario of the model, by speed then piece size (the seed's order); scenarios without a measured hash are left out. */
export function modelScenarios(cost: ReceiptCost, speeds: readonly number[], pieceSizesKb: readonly number[], fileSizeMb: number): ModelScenario[] {
  return speeds.flatMap((speed) =>
    pieceSizesKb.flatMap((kb) => {
      const scenario = modelScenario(cost, speed, kb, fileSizeMb);
      return scenario ? [scenario] : [];
    }),
  );
}

/**
 * Throughput loss (percent) the overlapped model predicts for a transfer whose busiest peer
 * already used `busyShare` of a core (CPU seconds per wall second, measured receipts off) and
 * whose receipts add `receiptShare`: none while the sum fits in one core, else the part of the
 * transfer that has to wait for the core.
 */
export function saturationLoss(busyShare: number, receiptShare: number): number {
  const demand = busyShare + receiptShare;
  return demand <= 1 ? 0 : (1 - 1 / demand) * 100;
}

/** Best and worst scenario by overhead, and the averages: the seed's KEY INSIGHTS. */
export interface ModelInsights {
  best: ModelScenario;
  worst: ModelScenario;
  average_overhead_percent: number;
  average_reduction_percent: number;
  average_overlapped_reduction_percent: number;
  worst_overlapped: ModelScenario;
}

/** The insights of `scenarios`; undefined when there are none. */
export function modelInsights(scenarios: readonly ModelScenario[]): ModelInsights | undefined {
  if (scenarios.length === 0) return undefined;
  const by = (figure: (s: ModelScenario) => number, pick: (a: number, b: number) => boolean) =>
    scenarios.reduce((top, s) => (pick(figure(s), figure(top)) ? s : top));
  const overhead = (s: ModelScenario) => s.overhead.total_overhead_percent;
  const mean = (figure: (s: ModelScenario) => number) => scenarios.reduce((sum, s) => sum + figure(s), 0) / scenarios.length;
  return {
    best: by(overhead, (a, b) => a < b),
    worst: by(overhead, (a, b) => a > b),
    average_overhead_percent: mean(overhead),
    average_reduction_percent: mean((s) => s.throughput.reduction_percent),
    average_overlapped_reduction_percent: mean((s) => s.overlapped.reduction_percent),
    worst_overlapped: by((s) => s.overlapped.reduction_percent, (a, b) => a > b),
  };
}
