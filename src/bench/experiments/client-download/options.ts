/**
 * Options of the client-download experiment: their specs (flag, variable, default, `--quick`
 * default, help: the README's table is generated from them) and the options a run reads from
 * the environment. Sizes are binary: KB = 2^10 bytes, MB = 2^20, and a speed of 1 MB/s is
 * 2^20 bytes/s, in the model and on the wire alike.
 * @module
 */
import { intListOption, intOption, isQuick, listOption } from '../../options.ts';
import { MAX_PIECE_SIZE, MIN_PIECE_SIZE } from '../../../receipts/index.ts';
import type { OptionSpec } from '../types.ts';

/** Bytes in a KB and in an MB (binary, as piece sizes are). */
export const KB = 1024;
export const MB = 1024 * 1024;

const WARMUP: OptionSpec = {
  flag: 'warmup',
  env: 'PBTS_WARMUP',
  kind: 'value',
  default: '10',
  help: 'untimed receipt signings and verifications before the timed ones',
};
const ITERATIONS: OptionSpec = {
  flag: 'iterations',
  env: 'PBTS_ITERATIONS',
  kind: 'value',
  default: '100',
  quick: '20',
  help: 'timed receipt signings and verifications (and piece hashes per size)',
};
const SPEEDS: OptionSpec = {
  flag: 'speeds',
  env: 'PBTS_SPEEDS',
  kind: 'list',
  arg: 'MB/s',
  default: '1 5 10 25 50 100',
  help: 'download speeds of the model',
};
const PIECE_SIZES: OptionSpec = {
  flag: 'piece-sizes',
  env: 'PBTS_PIECE_SIZES',
  kind: 'list',
  arg: 'KB',
  default: '256 512 1024 2048',
  help: 'piece sizes of the model (powers of two, 16 to 65536)',
};
const FILE_SIZE_MB: OptionSpec = {
  flag: 'file-size-mb',
  env: 'PBTS_FILE_SIZE_MB',
  kind: 'value',
  arg: 'MB',
  default: '100',
  help: 'file size of the model',
};
const TRANSFER_SPEEDS: OptionSpec = {
  flag: 'transfer-speeds',
  env: 'PBTS_TRANSFER_SPEEDS',
  kind: 'list',
  arg: 'MB/s',
  default: '10 50 100',
  quick: '100',
  help: "link speeds of the real transfers (the seeder's upload limit)",
};
const TRANSFER_PIECE_SIZES: OptionSpec = {
  flag: 'transfer-piece-sizes',
  env: 'PBTS_TRANSFER_PIECE_SIZES',
  kind: 'list',
  arg: 'KB',
  default: '256 1024',
  quick: '1024',
  help: 'piece sizes of the real transfers',
};
const TRANSFER_SIZE_MB: OptionSpec = {
  flag: 'transfer-size-mb',
  env: 'PBTS_TRANSFER_SIZE_MB',
  kind: 'value',
  arg: 'MB',
  default: '64',
  quick: '16',
  help: 'file size of the real transfers',
};
const REPETITIONS: OptionSpec = {
  flag: 'repetitions',
  env: 'PBTS_REPETITIONS',
  kind: 'value',
  default: '3',
  quick: '1',
  help: 'transfers with receipts on, and as many off, per cell, alternated (on, off, off, on, ...)',
};

/** The client-download experiment's option specs, in the README's order. */
export const CLIENT_DOWNLOAD_OPTIONS: readonly OptionSpec[] = [
  WARMUP,
  ITERATIONS,
  SPEEDS,
  PIECE_SIZES,
  FILE_SIZE_MB,
  TRANSFER_SPEEDS,
  TRANSFER_PIECE_SIZES,
  TRANSFER_SIZE_MB,
  REPETITIONS,
];

/** One real-transfer cell: a link speed and a piece size. */
export interface TransferCell {
  speedMbps: number;
  pieceSizeKb: number;
}

/** Options of the client-download experiment (`pbts experiments client-download --flag` sets the same variables). */
export interface ClientDownloadOptions {
  warmup: number;
  iterations: number;
  /** Model speeds in MB/s, ascending. */
  speeds: number[];
  /** Model piece sizes in KB, ascending. */
  pieceSizes: number[];
  fileSizeMb: number;
  /** The real transfers: every speed with every piece size, by piece size then speed. */
  cells: TransferCell[];
  transferSizeMb: number;
  repetitions: number;
}

/** Positive numbers (decimals allowed: 2.5 MB/s is a speed), sorted and deduplicated. */
function speedList(spec: OptionSpec, env: NodeJS.ProcessEnv): number[] {
  const values = listOption(spec, env).map((word) => {
    const value = Number(word);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${spec.env} must list positive numbers (MB/s), got "${word}"`);
    return value;
  });
  if (values.length === 0) throw new Error(`${spec.env} must name at least one speed`);
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Piece sizes in KB: powers of two a receipt may carry, sorted and deduplicated. */
function pieceSizeList(spec: OptionSpec, env: NodeJS.ProcessEnv): number[] {
  const values = intListOption(spec, env);
  if (values.length === 0) throw new Error(`${spec.env} must name at least one piece size`);
  for (const kb of values) {
    const bytes = kb * KB;
    // BitTorrent pieces are powers of two; receipts carry 16 KiB .. 64 MiB.
    if ((kb & (kb - 1)) !== 0 || bytes < MIN_PIECE_SIZE || bytes > MAX_PIECE_SIZE) {
      throw new Error(`${spec.env}: piece sizes must be powers of two from ${MIN_PIECE_SIZE / KB} to ${MAX_PIECE_SIZE / KB} KB, got ${kb}`);
    }
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Client-download options from the environment; `PBTS_QUICK` shrinks the real transfers to one short cell. */
export function clientDownloadOptions(env: NodeJS.ProcessEnv = process.env): ClientDownloadOptions {
  const pieceSizes = pieceSizeList(PIECE_SIZES, env);
  const fileSizeMb = intOption(FILE_SIZE_MB, env);
  if (fileSizeMb * KB < pieceSizes.at(-1)!) throw new Error(`${FILE_SIZE_MB.env}: the file must hold at least one piece of each size`);
  const transferPieces = pieceSizeList(TRANSFER_PIECE_SIZES, env);
  const transferSizeMb = intOption(TRANSFER_SIZE_MB, env);
  if (transferSizeMb * KB < transferPieces.at(-1)!) {
    throw new Error(`${TRANSFER_SIZE_MB.env}: the file must hold at least one piece of each size`);
  }
  const transferSpeeds = speedList(TRANSFER_SPEEDS, env);
  return {
    warmup: intOption(WARMUP, env),
    iterations: intOption(ITERATIONS, env),
    speeds: speedList(SPEEDS, env),
    pieceSizes,
    fileSizeMb,
    cells: transferPieces.flatMap((pieceSizeKb) => transferSpeeds.map((speedMbps) => ({ speedMbps, pieceSizeKb }))),
    transferSizeMb,
    repetitions: intOption(REPETITIONS, env),
  };
}

/** `1 MiB`, `256 KiB`: a piece size as the tables label it. */
export function pieceLabel(kb: number): string {
  return kb >= KB && kb % KB === 0 ? `${kb / KB} MiB` : `${kb} KiB`;
}

/** `10 MB/s, 1 MiB`: a transfer cell's label in tables and charts. */
export function cellLabel(cell: { speedMbps: number; pieceSizeKb: number }): string {
  return `${cell.speedMbps} MB/s, ${pieceLabel(cell.pieceSizeKb)}`;
}

/** Receipts on or off in each run of a cell: on, off, off, on, on, off, ... (`repetitions` of each). */
export function runOrder(repetitions: number): boolean[] {
  return Array.from({ length: repetitions * 2 }, (_, i) => (Math.floor(i / 2) % 2 === 0 ? i % 2 === 0 : i % 2 === 1));
}
