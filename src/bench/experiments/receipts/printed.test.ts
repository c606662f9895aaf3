/**
 * The printed output of the receipts experiment on fixed inputs, byte for byte: the files under
 * `__printed__/` were recorded from the summarizer before its sections became data, so a
 * renderer change that moves one character fails here.
 */
import { describe, expect, test } from 'vitest';
import { reportText } from '../../report/text.ts';
import { summarize } from '../../stats.ts';
import { summarizeReceipts } from './report.ts';
import { PIECE_HASH_BENCH } from './results.ts';

const series = (base: number, n = 20) => Array.from({ length: n }, (_, i) => base * (1 + ((i * 7) % 11) / 50));

function receiptsBenchmarks() {
  const entries: Array<[string, number[]]> = [[PIECE_HASH_BENCH, series(0.45)]];
  for (const [backend, f] of [['blst', 1], ['noble', 55]] as const) {
    entries.push(
      [`receipts [${backend}] > keypair generation`, series(0.14 * f)],
      [`receipts [${backend}] > receipt creation`, series(0.38 * f)],
      [`receipts [${backend}] > receipt verification`, series(1.22 * f)],
    );
    for (const size of [10, 50, 100, 500]) {
      entries.push(
        [`receipts [${backend}] > batch ${size} > aggregate creation`, series(0.01 * size * f, 10)],
        [`receipts [${backend}] > batch ${size} > aggregate verification`, series(0.31 * size * f, 10)],
        [`receipts [${backend}] > batch ${size} > individual verification`, series(1.2 * size * f, 10)],
      );
    }
  }
  return new Map(entries.map(([name, samples]) => [name, summarize(samples)]));
}

describe('printed output', () => {
  test('default: receipts, both backends and their comparison', async () => {
    await expect(reportText(summarizeReceipts(receiptsBenchmarks()).report)).toMatchFileSnapshot('__printed__/receipts.txt');
  });
  test('behavior: receipts, one backend only', async () => {
    const blst = new Map([...receiptsBenchmarks()].filter(([name]) => name.includes('[blst]')));
    await expect(reportText(summarizeReceipts(blst).report)).toMatchFileSnapshot('__printed__/receipts-blst.txt');
  });
});
