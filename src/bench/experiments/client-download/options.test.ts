import { describe, expect, test } from 'vitest';
import { CLIENT_DOWNLOAD_OPTIONS, cellLabel, clientDownloadOptions, pieceLabel, runOrder } from './options.ts';

describe('clientDownloadOptions', () => {
  test('default: the seed model grid and six transfer cells', () => {
    expect(clientDownloadOptions({})).toEqual({
      warmup: 10,
      iterations: 100,
      speeds: [1, 5, 10, 25, 50, 100],
      pieceSizes: [256, 512, 1024, 2048],
      fileSizeMb: 100,
      cells: [
        { speedMbps: 10, pieceSizeKb: 256 },
        { speedMbps: 50, pieceSizeKb: 256 },
        { speedMbps: 100, pieceSizeKb: 256 },
        { speedMbps: 10, pieceSizeKb: 1024 },
        { speedMbps: 50, pieceSizeKb: 1024 },
        { speedMbps: 100, pieceSizeKb: 1024 },
      ],
      transferSizeMb: 64,
      repetitions: 3,
    });
  });

  test('behavior: quick keeps the model grid, one short transfer cell, one repetition', () => {
    expect(clientDownloadOptions({ PBTS_QUICK: '1' })).toMatchObject({
      warmup: 10,
      iterations: 20,
      speeds: [1, 5, 10, 25, 50, 100],
      cells: [{ speedMbps: 100, pieceSizeKb: 1024 }],
      transferSizeMb: 16,
      repetitions: 1,
    });
  });

  test('behavior: variables set the options; lists are sorted and deduplicated, speeds may be decimal', () => {
    const options = clientDownloadOptions({
      PBTS_WARMUP: '3',
      PBTS_ITERATIONS: '50',
      PBTS_SPEEDS: '50 10,2.5 10',
      PBTS_PIECE_SIZES: '1024 512',
      PBTS_FILE_SIZE_MB: '1000',
      PBTS_TRANSFER_SPEEDS: '25',
      PBTS_TRANSFER_PIECE_SIZES: '4096 16',
      PBTS_TRANSFER_SIZE_MB: '8',
      PBTS_REPETITIONS: '5',
    });
    expect(options).toEqual({
      warmup: 3,
      iterations: 50,
      speeds: [2.5, 10, 50],
      pieceSizes: [512, 1024],
      fileSizeMb: 1000,
      cells: [
        { speedMbps: 25, pieceSizeKb: 16 },
        { speedMbps: 25, pieceSizeKb: 4096 },
      ],
      transferSizeMb: 8,
      repetitions: 5,
    });
  });

  test('behavior: the specs hold the README defaults, one spec per flag', () => {
    expect(CLIENT_DOWNLOAD_OPTIONS.map((o) => [o.flag, o.env, o.kind, o.default, o.quick ?? null])).toEqual([
      ['warmup', 'PBTS_WARMUP', 'value', '10', null],
      ['iterations', 'PBTS_ITERATIONS', 'value', '100', '20'],
      ['speeds', 'PBTS_SPEEDS', 'list', '1 5 10 25 50 100', null],
      ['piece-sizes', 'PBTS_PIECE_SIZES', 'list', '256 512 1024 2048', null],
      ['file-size-mb', 'PBTS_FILE_SIZE_MB', 'value', '100', null],
      ['transfer-speeds', 'PBTS_TRANSFER_SPEEDS', 'list', '10 50 100', '100'],
      ['transfer-piece-sizes', 'PBTS_TRANSFER_PIECE_SIZES', 'list', '256 1024', '1024'],
      ['transfer-size-mb', 'PBTS_TRANSFER_SIZE_MB', 'value', '64', '16'],
      ['repetitions', 'PBTS_REPETITIONS', 'value', '3', '1'],
    ]);
  });

  test('error: bad speeds, piece sizes, file sizes and counts are refused', () => {
    expect(() => clientDownloadOptions({ PBTS_SPEEDS: '10 fast' })).toThrow('PBTS_SPEEDS must list positive numbers (MB/s), got "fast"');
    expect(() => clientDownloadOptions({ PBTS_TRANSFER_SPEEDS: '0' })).toThrow(/PBTS_TRANSFER_SPEEDS must list positive numbers/);
    expect(() => clientDownloadOptions({ PBTS_PIECE_SIZES: '300' })).toThrow(/powers of two from 16 to 65536 KB, got 300/);
    expect(() => clientDownloadOptions({ PBTS_PIECE_SIZES: '8' })).toThrow(/powers of two/);
    expect(() => clientDownloadOptions({ PBTS_TRANSFER_PIECE_SIZES: '131072' })).toThrow(/powers of two/);
    expect(() => clientDownloadOptions({ PBTS_PIECE_SIZES: '4096', PBTS_FILE_SIZE_MB: '2' })).toThrow(/at least one piece/);
    expect(() => clientDownloadOptions({ PBTS_TRANSFER_SIZE_MB: '1', PBTS_TRANSFER_PIECE_SIZES: '2048' })).toThrow(/PBTS_TRANSFER_SIZE_MB/);
    expect(() => clientDownloadOptions({ PBTS_REPETITIONS: '0' })).toThrow(/positive integer/);
    expect(() => clientDownloadOptions({ PBTS_ITERATIONS: '1.5' })).toThrow(/positive integer/);
  });
});

describe('labels and run order', () => {
  test('default', () => {
    expect(pieceLabel(256)).toBe('256 KiB');
    expect(pieceLabel(1024)).toBe('1 MiB');
    expect(pieceLabel(4096)).toBe('4 MiB');
    expect(cellLabel({ speedMbps: 10, pieceSizeKb: 1024 })).toBe('10 MB/s, 1 MiB');
    expect(runOrder(3)).toEqual([true, false, false, true, true, false]);
    expect(runOrder(1)).toEqual([true, false]);
  });
});
