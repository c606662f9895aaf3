import { describe, expect, test } from 'vitest';
import { Progress, elapsed } from './progress.ts';

describe('Progress', () => {
  test('default: plain lines when piped, with the experiment, count and elapsed time', () => {
    const out: string[] = [];
    const progress = new Progress((text) => out.push(text), false, {}, 1_000);
    progress.collected('receipts', 3);
    progress.start('receipts', 'receipts [blst] > receipt creation', 1_000);
    progress.finish('receipts');
    progress.start('receipts', 'receipts [blst] > receipt verification', 66_000);
    expect(out).toEqual([
      'progress: [receipts 1/3, 0s] receipts [blst] > receipt creation\n',
      'progress: [receipts 2/3, 1m 05s] receipts [blst] > receipt verification\n',
    ]);
  });

  test('behavior: on a terminal one line is redrawn in place, cleared around other output and at the end', () => {
    const out: string[] = [];
    const progress = new Progress((text) => out.push(text), true, { PBTS_RUN_POSITION: '2/4', PBTS_RUN_STARTED: '1000' }, 5_000);
    progress.start('tee', 'key generation > regular', 3_000);
    progress.clear();
    progress.redraw();
    progress.end();
    progress.redraw();
    expect(out).toEqual([
      '\r\x1b[2K[experiment 2/4, tee 1/?, 2s] key generation > regular',
      '\r\x1b[2K',
      '[experiment 2/4, tee 1/?, 2s] key generation > regular',
      '\r\x1b[2K',
    ]);
  });

  test('error: a garbage start time falls back to now', () => {
    const progress = new Progress(() => {}, false, { PBTS_RUN_STARTED: 'soon' }, 10_000);
    expect(progress.line('load', 'x', 12_000)).toBe('[load 1/?, 2s] x');
    expect(elapsed(-5)).toBe('0s');
  });
});
