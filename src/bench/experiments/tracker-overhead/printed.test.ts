/**
 * The printed output of the tracker-overhead experiment on fixed inputs, byte for byte: a
 * renderer or report change that moves one character fails here.
 */
import { describe, expect, test } from 'vitest';
import { reportText } from '../../report/text.ts';
import { EXTRAS } from './fixture.ts';
import { summarizeTrackerOverhead } from './index.ts';

describe('printed output', () => {
  test('default: every component, confirmations at both batch delays, combined, not measured', async () => {
    await expect(reportText(summarizeTrackerOverhead(new Map(), EXTRAS).report)).toMatchFileSnapshot('__printed__/tracker-overhead.txt');
  });
  test('behavior: tracker-overhead with malformed extras', async () => {
    const text = reportText(summarizeTrackerOverhead(new Map(), { config: 7, components: 'nope', confirmations: [1] }).report);
    await expect(text).toMatchFileSnapshot('__printed__/tracker-overhead-empty.txt');
  });
});
