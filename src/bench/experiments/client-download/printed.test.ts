/**
 * The printed output of the client-download experiment on fixed inputs, byte for byte (the
 * files under `__printed__/`), so a renderer or report change that moves one character shows.
 */
import { describe, expect, test } from 'vitest';
import { reportText } from '../../report/text.ts';
import { CONFIG, TRANSFERS, benchmarks } from './fixture.ts';
import { summarizeClientDownload } from './index.ts';

describe('printed output', () => {
  test('default: the model, three transfer cells with a failed run, receipts, CPU, targets and notes', async () => {
    const { report } = summarizeClientDownload(benchmarks(), { config: CONFIG, transfers: TRANSFERS });
    await expect(reportText(report)).toMatchFileSnapshot('__printed__/client-download.txt');
  });

  test('behavior: the model only (no transfers recorded)', async () => {
    const { report } = summarizeClientDownload(benchmarks(), { config: { ...CONFIG, transfer: null } });
    await expect(reportText(report)).toMatchFileSnapshot('__printed__/client-download-model.txt');
  });

  test('behavior: nothing recorded, malformed extras', async () => {
    const { report } = summarizeClientDownload(new Map(), { config: 'nope', transfers: [{ speed_mbps: 'fast' }, 7] });
    await expect(reportText(report)).toMatchFileSnapshot('__printed__/client-download-empty.txt');
  });
});
